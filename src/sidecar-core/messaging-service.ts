/**
 * A sidecar's `AgentMessaging` implementation: the conversation stream over
 * an agent link and the unary RPCs over a history source, answering every
 * RPC the way a deployed sidecar does (spec item 18), except that a negative
 * `max_messages` is refused with INVALID_ARGUMENT instead of crashing.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type AgentMessaging,
  HealthCheckResponse_Status,
  HealthCheckResponseSchema,
} from "../schema/index.js";
import type { AgentLink } from "./agent-link.js";
import { conversationMetadata, type HistorySource, threadHistory } from "./history-source.js";

/** Parts the service reads from. */
export interface MessagingServiceParts {
  /** The agent streams. */
  readonly link: AgentLink;
  /** Conversations, for history and metadata. */
  readonly history: HistorySource;
  /** Version string for `HealthCheck`. */
  readonly version: string;
}

/** Creates the `AgentMessaging` service implementation. */
export function createMessagingService({
  link,
  history,
  version,
}: MessagingServiceParts): ServiceImpl<typeof AgentMessaging> {
  return {
    processConversation: (requests, ctx) => link.serve(requests, ctx.signal),
    // Deployed sidecars accept ProcessMessage and answer with no responses.
    async *processMessage() {},
    processAudioStream() {
      throw new ConnectError(
        "ProcessAudioStream is not implemented; send audio on ProcessConversation",
        Code.Unimplemented,
      );
    },
    getThreadHistory: (req) => threadHistory(history, req.conversationId, req.maxMessages),
    getConversationMetadata: (req) => conversationMetadata(history, req),
    healthCheck: () =>
      create(HealthCheckResponseSchema, { status: HealthCheckResponse_Status.HEALTHY, version }),
  };
}
