import { create } from "@bufbuild/protobuf";
import {
  type AgentConfig,
  type AgentResponse,
  AgentResponseSchema,
  ContentChunk_ChunkType,
  type ConversationRequest,
} from "../schema/index.js";

/**
 * What a deployed sidecar does with one frame an agent wrote on its
 * ProcessConversation stream (spec "Registration and the stream"):
 * - `register`: the stream's first frame, whatever it is, registers the
 *   stream as the agent stream; only an agent_config is kept (`config`), any
 *   other first frame is consumed and lost (`dropped` names it);
 * - `config`: a later agent_config replaces the stored one;
 * - `reply`: a reply frame to route by conversation id; a Message from the
 *   agent (the legacy registration) becomes an END content chunk;
 * - `ignored`: feedback and audio from the agent carry no meaning.
 */
export type AgentFrameEffect =
  | { readonly kind: "register"; readonly config?: AgentConfig; readonly dropped?: string }
  | { readonly kind: "config"; readonly config: AgentConfig }
  | { readonly kind: "reply"; readonly frame: AgentResponse }
  | { readonly kind: "ignored"; readonly what: string };

/**
 * Decides what a frame from an agent does; `first` is true for the first
 * frame of its stream. Used by the agent link, so both
 * behave as a deployed sidecar does.
 */
export function agentFrameEffect(request: ConversationRequest, first: boolean): AgentFrameEffect {
  const r = request.request;
  if (first) {
    return r.case === "agentConfig"
      ? { kind: "register", config: r.value }
      : { kind: "register", dropped: r.case ?? "empty" };
  }
  switch (r.case) {
    case "agentConfig":
      return { kind: "config", config: r.value };
    case "agentResponse":
      return { kind: "reply", frame: r.value };
    case "message":
      return {
        kind: "reply",
        frame: create(AgentResponseSchema, {
          conversationId: r.value.conversationId,
          responseId: r.value.id,
          payload: {
            case: "content",
            value: { type: ContentChunk_ChunkType.END, content: r.value.content },
          },
        }),
      };
    default:
      return { kind: "ignored", what: r.case ?? "empty" };
  }
}
