/**
 * The dev sidecar's `AgentMessaging` implementation, answering every RPC the
 * way a deployed sidecar does (spec item 18), except that a negative
 * `max_messages` is refused with INVALID_ARGUMENT instead of crashing.
 *
 * @module
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type AgentMessaging,
  ConversationMetadataResponseSchema,
  HealthCheckResponse_Status,
  HealthCheckResponseSchema,
  type ThreadHistoryResponse,
  ThreadHistoryResponseSchema,
  type ThreadMessageSchema,
} from "../schema/index.js";
import type { AgentLink } from "./agent-link.js";
import { type ConversationStore, type HistoryEntry, newestEntries } from "./conversations.js";

/** `max_messages` used when a request sends 0. */
export const DEFAULT_HISTORY_MESSAGES = 50;

/** The platform name of the web chat. */
export const WEB_PLATFORM = "web";

/** Parts the gRPC service reads from. */
export interface GrpcServiceParts {
  /** The agent streams. */
  readonly link: AgentLink;
  /** Conversations, for history and metadata. */
  readonly store: ConversationStore;
  /** Version string for `HealthCheck`. */
  readonly version: string;
}

function threadMessage(entry: HistoryEntry): MessageInitShape<typeof ThreadMessageSchema> {
  return {
    messageId: entry.messageId,
    user: { id: entry.userId, username: entry.username },
    content: entry.content,
    timestamp: timestampFromDate(entry.timestamp),
    platformData: entry.stopped ? { role: entry.role, stopped: "true" } : { role: entry.role },
  };
}

/** The newest `maxMessages` messages of a conversation (0 → 50); empty for unknown ids. */
export function threadHistory(
  store: ConversationStore,
  conversationId: string,
  maxMessages: number,
): ThreadHistoryResponse {
  if (!Number.isInteger(maxMessages) || maxMessages < 0) {
    throw new ConnectError(
      `max_messages must be 0 or more, got ${maxMessages}`,
      Code.InvalidArgument,
    );
  }
  const history = store.get(conversationId)?.history ?? [];
  const limit = maxMessages === 0 ? DEFAULT_HISTORY_MESSAGES : maxMessages;
  const entries = newestEntries(history, limit);
  return create(ThreadHistoryResponseSchema, {
    conversationId,
    messages: entries.map(threadMessage),
    isComplete: entries.length === history.length,
    fetchedAt: timestampFromDate(new Date()),
  });
}

/** Creates the `AgentMessaging` service implementation. */
export function createAgentMessagingService({
  link,
  store,
  version,
}: GrpcServiceParts): ServiceImpl<typeof AgentMessaging> {
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
    getThreadHistory: (req) => threadHistory(store, req.conversationId, req.maxMessages),
    getConversationMetadata(req) {
      const id = req.identifier;
      let conversationId = "";
      if (id.case === "conversationId") conversationId = id.value;
      else if (id.case === "platformId" && id.value.platform === WEB_PLATFORM) {
        conversationId = id.value.threadId || id.value.channelId;
      }
      const conversation = conversationId ? store.get(conversationId) : undefined;
      if (!conversation) return create(ConversationMetadataResponseSchema, { found: false });
      const last = conversation.history.at(-1);
      return create(ConversationMetadataResponseSchema, {
        conversationId: conversation.id,
        platform: WEB_PLATFORM,
        channelId: conversation.id,
        lastMessageTime: timestampFromDate(last?.timestamp ?? conversation.createdAt),
        messageCount: conversation.history.length,
        found: true,
      });
    },
    healthCheck: () =>
      create(HealthCheckResponseSchema, { status: HealthCheckResponse_Status.HEALTHY, version }),
  };
}
