import type {
  HandoffOptions,
  JsonObject,
  JsonValue,
  MailMessage,
  MailRole,
  ParticipantRole,
  ThreadSummary,
} from "../core/mailbox-types.js";

export type {
  HandoffOptions,
  JsonObject,
  JsonValue,
  MailMessage,
  MailRole,
  ParticipantRole,
  ThreadSummary,
};

/**
 * A delivery sequence number: per recipient, strictly increasing and gap-free.
 * A bigint, as the schema's int64 and the server's store keep it, so it passes
 * from a delivery to `watch({ after })` or `markRead({ upTo })` unchanged and
 * never rounds.
 */
export type Seq = bigint;

/** A sequence given by the caller: a bigint, or a safe non-negative integer. */
export type SeqInput = bigint | number;

/** Per-call options of every mailbox method. */
export interface MailCallOptions {
  /** Aborts the call; it then rejects with reason "aborted". */
  signal?: AbortSignal;
  /** Deadline of the whole call, retries included, in milliseconds; 0 means none (default: the client's `timeoutMs`). */
  timeoutMs?: number;
}

/** The context of a thread that keeps a receiving agent warm, typed. */
export interface MailContext<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The context snapshot of the thread's latest message. */
  snapshot: S;
  /** A summary of the messages older than `recentMessages`; never empty when there are any. */
  threadSummary: string;
  /** The structured summary, when the thread has enough older messages. */
  threadSummaryStructured?: ThreadSummary;
  /** The thread's last messages, oldest first, as the reader may see them. */
  recentMessages: MailMessage<P, S>[];
  /** About a quarter of the characters of the summary and the recent payloads. */
  tokenCount: number;
}

/** One message delivered to this agent: what `watch`, `unread` and `receive` hand out. */
export interface MailDelivery<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** This agent's delivery sequence number of the message. */
  seq: Seq;
  /** The thread the message belongs to (the same as `message.threadId`). */
  threadId: string;
  /** The message, as this agent may see it (no `bcc` unless this agent sent it). */
  message: MailMessage<P, S>;
  /** The thread's context when the delivery was read (shared by deliveries of one thread in one answer). */
  context: MailContext<P, S>;
}

/** A thread as this agent may see it, typed. */
export interface MailThread<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The thread id. */
  id: string;
  /** The visible participants, sorted by code unit. */
  participants: string[];
  /** The bcc participants this agent may see: those it bcc'd, and itself. */
  silentParticipants: string[];
  /** Its messages, oldest first. */
  messages: MailMessage<P, S>[];
  /** When it was created, in epoch milliseconds. */
  createdAt: number;
  /** When its latest message was stored, in epoch milliseconds. */
  updatedAt: number;
}

/** One page of this agent's threads. */
export interface MailboxPage<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The threads, most recently updated first. */
  threads: MailThread<P, S>[];
  /** This agent's unread deliveries over all its threads. */
  unreadCount: number;
  /** How many threads this agent has in all. */
  total: number;
  /** The page size the server used. */
  limit: number;
  /** The offset the server used. */
  offset: number;
}

/** What a committed send or reply-all answers. */
export interface SendReceipt {
  /** The new message's id. */
  messageId: string;
  /** The thread it went into. */
  threadId: string;
  /** The distinct to, cc and bcc recipients without the sender, in that order. */
  deliveredTo: string[];
  /** When it was stored, in epoch milliseconds. */
  timestamp: number;
  /** Each recipient's delivery sequence, in `deliveredTo` order. */
  deliveries: { agentId: string; seq: Seq }[];
}

/** Options of `reply-all` (and the shared part of `send`). */
export interface ReplyOptions<S extends JsonObject = JsonObject> extends MailCallOptions {
  /** The context snapshot stored with the message (`{}` when absent). */
  contextSnapshot?: S;
  /** Turns the snapshot into a handoff packet. */
  handoff?: HandoffOptions;
}

/** Options of `send`. */
export interface SendOptions<S extends JsonObject = JsonObject> extends ReplyOptions<S> {
  /** Copied recipients. */
  cc?: string[];
  /** Blind-copied recipients: only this agent (the sender) sees them. */
  bcc?: string[];
  /** The thread to post in (unknown: not_found); default: the thread of the same visible participants, else a new one. */
  threadId?: string;
  /** The id of the message this one answers. */
  replyTo?: string;
}

/** Options of `unread`. */
export interface UnreadOptions extends MailCallOptions {
  /** How many recent messages each context carries, 1 to 50 (default: the server's, 10). */
  recent?: number;
  /** Only deliveries after this sequence (a page's last `seq`, to read the next page). */
  after?: SeqInput;
  /** At most this many deliveries, the oldest first (default: all). */
  limit?: number;
}

/** Options of `receive`. */
export interface ReceiveOptions extends UnreadOptions {
  /** Only deliveries from this sender. */
  from?: string;
}

/** What `receive` answers: the unread deliveries (from one sender) and the latest one's context. */
export interface Received<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The unread deliveries, oldest first. */
  messages: MailDelivery<P, S>[];
  /** The context of the last of them; an empty context when there are none. */
  context: MailContext<P, S>;
}

/** Options of `markRead`. */
export interface MarkReadOptions extends MailCallOptions {
  /** Read up to and including this sequence (default: everything the server delivered by now). */
  upTo?: SeqInput;
}

/** Options of `threads`. */
export interface ThreadsOptions extends MailCallOptions {
  /** The page size, 1 to 1000 (default: the server's, 100). */
  limit?: number;
  /** How many threads to skip (default 0). */
  offset?: number;
}

/** Options of `sync`. */
export interface SyncOptions extends MailCallOptions {
  /** How many recent messages the context carries, 1 to 50 (default: the server's, 10). */
  recent?: number;
}
