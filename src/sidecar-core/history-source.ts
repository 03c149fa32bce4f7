/**
 * The unary history RPCs over a history source: what a sidecar answers to
 * `GetThreadHistory` and `GetConversationMetadata` from the conversations it
 * holds (the dev sidecar's web chat, or the messages the fake delivered).
 *
 * @module
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type Attachment,
  type ConversationMetadataRequest,
  type ConversationMetadataResponse,
  ConversationMetadataResponseSchema,
  type ThreadHistoryResponse,
  ThreadHistoryResponseSchema,
  type ThreadMessageSchema,
} from "../schema/index.js";

/** `max_messages` used when a request sends 0. */
export const DEFAULT_HISTORY_MESSAGES = 50;

/** Who wrote a history entry. */
export type HistoryRole = "user" | "agent";

/** One message of a conversation's history. */
export interface HistoryEntry {
  /** Message id: the user message's id, or the reply's response id. */
  readonly messageId: string;
  /** Whether a user or the agent wrote it. */
  readonly role: HistoryRole;
  /** Author id (`anonymous` locally, `agent` for replies). */
  readonly userId: string;
  /** Author display name. */
  readonly username: string;
  /** The text. */
  readonly content: string;
  /** When it was written (for replies: when the reply finished). */
  readonly timestamp: Date;
  /** The files of a user message, if any. */
  readonly attachments?: readonly Attachment[];
  /** For replies: the user stopped it before it finished. */
  readonly stopped?: boolean;
}

/** A conversation as the history RPCs see it. */
export interface HistoryConversation {
  /** The conversation id (also its `channel_id`). */
  readonly id: string;
  /** When it was created. */
  readonly createdAt: Date;
  /** Its messages, oldest first. */
  readonly history: readonly HistoryEntry[];
}

/** Where the history RPCs read conversations from. */
export interface HistorySource {
  /** The platform name the sidecar's conversations are on (e.g. `web`). */
  readonly platform: string;
  /** The conversation with this id, or undefined when there is none. */
  get(conversationId: string): HistoryConversation | undefined;
}

/** The newest `maxMessages` entries of a history, oldest first. */
export function newestEntries(
  history: readonly HistoryEntry[],
  maxMessages: number,
): HistoryEntry[] {
  return history.slice(Math.max(0, history.length - maxMessages));
}

function threadMessage(entry: HistoryEntry): MessageInitShape<typeof ThreadMessageSchema> {
  return {
    messageId: entry.messageId,
    user: { id: entry.userId, username: entry.username },
    content: entry.content,
    attachments: [...(entry.attachments ?? [])],
    timestamp: timestampFromDate(entry.timestamp),
    platformData: entry.stopped ? { role: entry.role, stopped: "true" } : { role: entry.role },
  };
}

/**
 * The newest `maxMessages` messages of a conversation (0 → 50; empty for
 * unknown ids); a negative or fractional count is INVALID_ARGUMENT.
 */
export function threadHistory(
  source: HistorySource,
  conversationId: string,
  maxMessages: number,
): ThreadHistoryResponse {
  if (!Number.isInteger(maxMessages) || maxMessages < 0) {
    throw new ConnectError(
      `max_messages must be 0 or more, got ${maxMessages}`,
      Code.InvalidArgument,
    );
  }
  const history = source.get(conversationId)?.history ?? [];
  const limit = maxMessages === 0 ? DEFAULT_HISTORY_MESSAGES : maxMessages;
  const entries = newestEntries(history, limit);
  return create(ThreadHistoryResponseSchema, {
    conversationId,
    messages: entries.map(threadMessage),
    isComplete: entries.length === history.length,
    fetchedAt: timestampFromDate(new Date()),
  });
}

/** Finds a conversation by id or by platform ids of the source's platform (thread, else channel). */
export function conversationMetadata(
  source: HistorySource,
  request: Pick<ConversationMetadataRequest, "identifier">,
): ConversationMetadataResponse {
  const id = request.identifier;
  let conversationId = "";
  if (id.case === "conversationId") conversationId = id.value;
  else if (id.case === "platformId" && id.value.platform === source.platform) {
    conversationId = id.value.threadId || id.value.channelId;
  }
  const conversation = conversationId ? source.get(conversationId) : undefined;
  if (!conversation) return create(ConversationMetadataResponseSchema, { found: false });
  const last = conversation.history.at(-1);
  return create(ConversationMetadataResponseSchema, {
    conversationId: conversation.id,
    platform: source.platform,
    channelId: conversation.id,
    lastMessageTime: timestampFromDate(last?.timestamp ?? conversation.createdAt),
    messageCount: conversation.history.length,
    found: true,
  });
}
