import { create, toBinary } from "@bufbuild/protobuf";
import { ConversationRequestSchema } from "../schema/index.js";
import type { EnvelopePayload } from "./frame-codec.js";
import type { AgentConfigInit } from "./session-options.js";

/**
 * The frames that open every conversation stream: the AgentConfig (a sidecar
 * registers the stream by it), then, only when asked, the legacy
 * "agent-registration" Message that old sidecars expected.
 */
export function handshakeFrames(
  config: AgentConfigInit,
  legacyRegistration: boolean,
): EnvelopePayload[] {
  const frames: EnvelopePayload[] = [
    {
      payload: toBinary(
        ConversationRequestSchema,
        create(ConversationRequestSchema, { request: { case: "agentConfig", value: config } }),
      ),
    },
  ];
  if (legacyRegistration) {
    const registration = create(ConversationRequestSchema, {
      request: {
        case: "message",
        value: { id: crypto.randomUUID(), conversationId: "agent-registration", platform: "grpc" },
      },
    });
    frames.push({ payload: toBinary(ConversationRequestSchema, registration) });
  }
  return frames;
}
