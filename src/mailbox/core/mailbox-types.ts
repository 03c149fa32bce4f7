/**
 * The mailbox's domain: the JSON view of messages, threads and context that the
 * AgentMailbox HTTP routes answer, and the operations of the mailbox core that
 * the HTTP routes, the typed service and push all stand on.
 *
 * Every operation takes the caller's agent id as already proven (open mode:
 * claimed; token mode: derived from the token) and throws an AgentwireError
 * (`invalid_argument` naming the field, `not_found`, `forbidden`, `too_large`,
 * `unavailable`) that the boundaries convert to HTTP statuses or Connect codes.
 *
 * @module
 */

/** A JSON value, as payloads and snapshots carry them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** How an agent takes part in a thread or a message. */
export type MailRole = "to" | "cc" | "bcc";

/** One message, as one reader may see it (`bcc` only for its sender). */
export interface MailMessage<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The message id. */
  id: string;
  /** The thread it belongs to. */
  threadId: string;
  /** Its sender. */
  from: string;
  /** Its direct recipients. */
  to: string[];
  /** Its copied recipients (omitted when none). */
  cc?: string[];
  /** Its blind-copied recipients: present only in the sender's view. */
  bcc?: string[];
  /** The id of the message it answers (omitted when none). */
  replyTo?: string;
  /** Its payload; `null` when the sender gave none. */
  payload: P;
  /** The context snapshot stored with it (`{}` when none; a handoff packet with `handoff`). */
  contextSnapshot: S;
  /** When the server stored it, in epoch milliseconds. */
  timestamp: number;
}

/** The structured summary of a thread's older messages. */
export interface ThreadSummary {
  /** The summary as text. */
  text: string;
  /** Decisions taken in the covered messages. */
  decisions: string[];
  /** Questions still open in the covered messages. */
  openQuestions: string[];
  /** Named artifacts (paths, urls, ids) mentioned in the covered messages. */
  artifacts: JsonObject;
  /** The ids of the messages the summary covers, oldest first. */
  coversMessageIds: string[];
  /** When the summary was made, in epoch milliseconds. */
  generatedAt: number;
}

/** The context of a thread that keeps a receiving agent warm. */
export interface MailContext {
  /** The context snapshot of the thread's latest message. */
  snapshot: JsonObject;
  /** A summary of the messages older than `recentMessages`; never empty when there are any. */
  threadSummary: string;
  /** The structured summary, when the thread has enough older messages. */
  threadSummaryStructured?: ThreadSummary;
  /** The thread's last `recent` messages, oldest first, as the reader may see them. */
  recentMessages: MailMessage[];
  /** About a quarter of the characters of the summary and the recent payloads. */
  tokenCount: number;
}

/** A message delivered to a reader, with its thread's context (an unread frame). */
export interface ContextFrame extends Omit<MailMessage, "contextSnapshot"> {
  /** The thread's context at the time of reading. */
  context: MailContext;
}

/** A thread as one reader may see it. */
export interface MailThread {
  /** The thread id. */
  id: string;
  /** The visible participants (from, to, cc of its messages), sorted by code unit. */
  participants: string[];
  /** The bcc participants the reader may see: all for a sender who bcc'd them, itself for one of them, else none. */
  silentParticipants: string[];
  /** Its messages, oldest first, as the reader may see them. */
  messages: MailMessage[];
  /** When it was created, in epoch milliseconds. */
  createdAt: number;
  /** When its latest message was stored, in epoch milliseconds. */
  updatedAt: number;
}

/** An agent's place in a thread. */
export interface ParticipantRole {
  /** The agent. */
  agentId: string;
  /** Its highest role in the thread (to > cc > bcc; a sender counts as `to`). */
  role: MailRole;
  /** When it first appeared in the thread, in epoch milliseconds. */
  joinedAt: number;
}

/** Options that turn a send's snapshot into a handoff packet. */
export interface HandoffOptions {
  /** The goal of the handoff; else the latest payload's `goal` or `task`. */
  goal?: string;
  /** What the receiver should do next. */
  nextAction?: string;
  /** Only these snapshot keys are carried. */
  includeFields?: string[];
  /** The largest JSON size of the carried context, at least 256; 16,000 by default. */
  maxContextBytes?: number;
}

/** What a send asks for. */
export interface SendInput {
  /** The sender (proven or claimed). */
  from: string;
  /** Direct recipients (at least one, unless `threadId` is given with cc); a lone string is one recipient, as the HTTP route sends it. */
  to: string[] | string;
  /** Copied recipients. */
  cc?: string[];
  /** Blind-copied recipients. */
  bcc?: string[];
  /** The thread to post in; unknown: `not_found`. */
  threadId?: string;
  /** The message this one answers. */
  replyTo?: string;
  /** The payload; `null` when absent. */
  payload?: JsonValue;
  /** The context snapshot. */
  contextSnapshot?: JsonObject;
  /** Turns the snapshot into a handoff packet. */
  handoff?: HandoffOptions;
}

/** What a reply-all asks for. */
export interface ReplyAllInput {
  /** The sender. */
  from: string;
  /** The thread answered. */
  threadId: string;
  /** The payload. */
  payload?: JsonValue;
  /** The context snapshot. */
  contextSnapshot?: JsonObject;
  /** Turns the snapshot into a handoff packet. */
  handoff?: HandoffOptions;
}

/** One recipient's delivery of a send, with its delivery sequence. */
export interface DeliverySeq {
  /** The recipient. */
  agentId: string;
  /** The recipient's delivery sequence number of this message. */
  seq: bigint;
}

/** What a committed send answers. */
export interface SendResult {
  /** The new message's id. */
  messageId: string;
  /** The thread it went into. */
  threadId: string;
  /** The distinct to, cc and bcc recipients without the sender, in that order. */
  deliveredTo: string[];
  /** When it was stored, in epoch milliseconds. */
  timestamp: number;
  /** Each recipient's delivery sequence, in `deliveredTo` order. */
  deliveries: DeliverySeq[];
}

/** A message delivered to one recipient, as that recipient may see it. */
export interface Delivery {
  /** The recipient's delivery sequence number (strictly increasing, gap-free per recipient). */
  seq: bigint;
  /** The message, bcc stripped unless the recipient sent it. */
  message: MailMessage;
}

/** A delivery together with its thread's context, as unread and push give it. */
export interface DeliveryFrame extends Delivery {
  /** The thread's context: one object shared by every frame of the thread, and reused by later answers while the thread is unchanged (read-only). */
  context: MailContext;
}

/** One page of an agent's mailbox. */
export interface MailboxPage {
  /** The agent's threads, most recently updated first. */
  threads: MailThread[];
  /** The agent's unread deliveries over all its threads (the same set `unread` lists). */
  unreadCount: number;
  /** How many threads the agent has in all. */
  total: number;
  /** The page size used (the request's, clamped to 1..1000; 100 by default). */
  limit: number;
  /** The offset used. */
  offset: number;
}

/** Per-thread read state of an agent. */
export interface MarkReadResult {
  /** The sequence up to which the thread is now read (0 when the agent had nothing in it). */
  upToSeq: bigint;
}

/** The operations of the mailbox; one implementation, used by every way in. */
export interface MailboxCore {
  /** Registers an agent; `created` is false when it existed. */
  register(agentId: string): Promise<{ agentId: string; created: boolean }>;
  /** Stores a message and every recipient's delivery in one transaction, committed before it resolves. */
  send(input: SendInput): Promise<SendResult>;
  /** Sends to every visible participant of a thread but the sender (spec semantics 5). */
  replyAll(input: ReplyAllInput): Promise<SendResult>;
  /** The agent's unread deliveries, oldest first, each with its thread's context. */
  unread(
    agentId: string,
    options?: { recent?: number; afterSeq?: bigint; limit?: number; signal?: AbortSignal },
  ): Promise<DeliveryFrame[]>;
  /** Moves the agent's read cursor of a thread to `upToSeq`, or to what was delivered by now. */
  markRead(
    agentId: string,
    threadId: string,
    options?: { upToSeq?: bigint },
  ): Promise<MarkReadResult>;
  /** One page of the agent's threads, with its unread count. */
  mailbox(agentId: string, options?: { limit?: number; offset?: number }): Promise<MailboxPage>;
  /** A thread as `as` may see it; `not_found` for a non-participant. */
  thread(threadId: string, as: string): Promise<MailThread>;
  /** A thread's context as `as` may see it; `not_found` for a non-participant. */
  sync(
    threadId: string,
    as: string,
    options?: { recent?: number; signal?: AbortSignal },
  ): Promise<MailContext>;
  /** A thread's participants as `as` may see them; `not_found` for a non-participant. */
  participants(threadId: string, as: string): Promise<ParticipantRole[]>;
  /** The agent's deliveries after `afterSeq`, oldest first, at most `limit` (for Watch and SSE). */
  deliveries(agentId: string, afterSeq: bigint, limit: number): Promise<Delivery[]>;
  /** The agent's newest delivery sequence (0n when none). */
  latestSeq(agentId: string): Promise<bigint>;
  /**
   * Calls `wake` whenever a delivery to the agent may have been committed (on this
   * server or, with a shared store, another); the listener then reads `deliveries`
   * after its own cursor, so a missed or doubled wake never loses or repeats mail.
   * Returns the function that unsubscribes.
   */
  subscribe(agentId: string, wake: () => void): () => void;
  /** Token mode: gives the agent a new token (only its hash is stored) and answers it once. */
  issueToken(agentId: string): Promise<string>;
  /** Token mode: whether the agent has a token already. */
  hasToken(agentId: string): Promise<boolean>;
  /** Token mode: the agent a token belongs to, or undefined. */
  agentForToken(token: string): Promise<string | undefined>;
  /** The store's state, for `/health`. */
  health(): Promise<{ ok: boolean; store: string; detail?: string }>;
  /** Closes the store; pending operations finish first. */
  close(): Promise<void>;
}
