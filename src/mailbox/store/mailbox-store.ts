/**
 * The storage interface of the mailbox: one method per whole operation, each
 * one transaction, so that a backend (embedded SQLite, PostgreSQL) decides how
 * to make it atomic and fast, and the core never sees a half-done send.
 *
 * Rules every backend keeps:
 * - `appendMessage` resolves or creates the thread, inserts the message,
 *   registers every agent named, and gives each recipient its next delivery
 *   sequence, all in one transaction that is committed before it resolves.
 * - Delivery sequences are per recipient, strictly increasing, gap-free and in
 *   commit order. SQLite gets this from its single writer (`BEGIN IMMEDIATE`).
 *   PostgreSQL must not use a `bigserial`: it increments the recipient's
 *   counter row (`UPDATE mailbox_agents SET last_seq = last_seq + 1 WHERE id = $1
 *   RETURNING last_seq`) inside the send's transaction; the row lock it takes
 *   is held until commit, so a second send to the same recipient waits and
 *   commits after it (recipients locked in sorted order to avoid deadlocks).
 * - Read cursors are delivery sequences per (agent, thread), never times.
 * - Tokens are stored only as sha256 hashes.
 * - Reads that answer several things at once (a mailbox page and its unread
 *   count) come from one consistent snapshot (PostgreSQL: one REPEATABLE READ
 *   transaction).
 *
 * @module
 */
import type { JsonObject, JsonValue, MailRole, ThreadSummary } from "../core/mailbox-types.js";

/** A message as stored: every list present (maybe empty), bcc included, with its place in the thread. */
export interface StoredMessage {
  /** The message id. */
  id: string;
  /** The thread it belongs to. */
  threadId: string;
  /** Its position in the thread, from 1, without gaps. */
  index: number;
  /** Its sender. */
  from: string;
  /** Its direct recipients. */
  to: string[];
  /** Its copied recipients. */
  cc: string[];
  /** Its blind-copied recipients. */
  bcc: string[];
  /** The message it answers, if any. */
  replyTo: string | undefined;
  /** Its payload. */
  payload: JsonValue;
  /** Its stored context snapshot. */
  contextSnapshot: JsonObject;
  /** When it was stored, in epoch milliseconds. */
  timestamp: number;
}

/** An agent's membership of a thread, as stored. */
export interface MemberRecord {
  /** The agent. */
  agentId: string;
  /** Its highest role in the thread (to > cc > bcc; a sender counts as `to`). */
  role: MailRole;
  /** When it first appeared in the thread in any role, in epoch milliseconds. */
  joinedAt: number;
  /** When it first appeared as a sender, to or cc; undefined while it was only blind-copied. */
  visibleJoinedAt: number | undefined;
  /** The senders that blind-copied it in this thread, in first-seen order. */
  bccBy: string[];
}

/** A thread as stored, with its members in joining order. */
export interface ThreadRecord {
  /** The thread id. */
  id: string;
  /** The visible participants (senders, to, cc), sorted by code unit. */
  participants: string[];
  /** Every agent ever blind-copied in the thread, sorted by code unit. */
  silentParticipants: string[];
  /** When it was created, in epoch milliseconds. */
  createdAt: number;
  /** When its latest message was stored, in epoch milliseconds. */
  updatedAt: number;
  /** How many messages it has. */
  messageCount: number;
  /** Its members, ordered by `joinedAt` (then by when they were first stored). */
  members: MemberRecord[];
}

/** A thread with all its messages, oldest first. */
export interface ThreadWithMessages extends ThreadRecord {
  /** Every message of the thread, oldest first. */
  messages: StoredMessage[];
}

/** The structured summary a store keeps per thread, with how many messages (from the first) it covers. */
export interface StoredSummary {
  /** The summary covers the thread's messages 1..coversCount. */
  coversCount: number;
  /** The summary itself. */
  summary: ThreadSummary;
}

/** What the context of a thread is built from. */
export interface ThreadContextRecord {
  /** The thread (members included, for the reader's view). */
  thread: ThreadRecord;
  /** The thread's last `recent` messages, oldest first. */
  recent: StoredMessage[];
  /** The messages before `recent`, newest first, at most `olderLimit` of them. */
  olderNewestFirst: StoredMessage[];
  /** The latest structured summary saved for the thread, if any. */
  summary: StoredSummary | undefined;
}

/** A delivery to one recipient with its message. */
export interface DeliveryRecord {
  /** The recipient's delivery sequence number. */
  seq: bigint;
  /** The message delivered (as stored: the core strips bcc). */
  message: StoredMessage;
}

/** The thread a send goes into, as `compose` sees it inside the send's transaction. */
export interface ResolvedThread {
  /** The thread id. */
  id: string;
  /** True when this send creates the thread. */
  created: boolean;
  /** The visible participants before this send, sorted. */
  participants: string[];
  /** The silent participants before this send, sorted. */
  silentParticipants: string[];
  /** Whether the sender is a member (visible or silent) of the thread before this send. */
  senderIsMember: boolean;
  /** The thread's latest message before this send (only when `wantLatest`). */
  latest: StoredMessage | undefined;
  /** The thread's latest structured summary (only when `wantLatest`). */
  summary: StoredSummary | undefined;
}

/** The message `compose` decides on, once the thread is known. */
export interface ComposedMessage {
  /** Direct recipients. */
  to: string[];
  /** Copied recipients. */
  cc: string[];
  /** Blind-copied recipients. */
  bcc: string[];
  /** Who receives a delivery, distinct, without the sender, with the role each gets, in order. */
  deliveredTo: { agentId: string; role: MailRole }[];
  /** The stored context snapshot, as JSON text. */
  snapshotJson: string;
}

/** What `appendMessage` is asked to store. */
export interface AppendMessageInput {
  /** The new message's id. */
  messageId: string;
  /** The sender. */
  from: string;
  /** The explicit thread; unknown: `not_found`, nothing stored. */
  threadId?: string | undefined;
  /**
   * Without `threadId`: the visible participant set (sender, to, cc), distinct and
   * sorted; the send goes to the thread whose current or creation set it is, else a new one.
   */
  visibleSet?: string[] | undefined;
  /** The message it answers. */
  replyTo?: string | undefined;
  /** The payload as JSON text. */
  payloadJson: string;
  /** When it is stored, in epoch milliseconds. */
  timestamp: number;
  /** Whether `compose` needs the thread's latest message and summary (handoff). */
  wantLatest: boolean;
  /**
   * Called once inside the transaction with the resolved thread; decides the
   * recipients and the snapshot. Throwing rolls the whole send back.
   */
  compose(thread: ResolvedThread): ComposedMessage;
}

/** What a committed `appendMessage` answers. */
export interface AppendMessageResult {
  /** The thread the message went into. */
  threadId: string;
  /** The message's position in the thread. */
  index: number;
  /** Each recipient's delivery sequence, in `deliveredTo` order. */
  deliveries: { agentId: string; seq: bigint }[];
}

/** One page of an agent's threads from one consistent snapshot. */
export interface MailboxPageRecord {
  /** The threads, most recently updated first, with their messages. */
  threads: ThreadWithMessages[];
  /** The agent's unread deliveries over all its threads. */
  unreadCount: number;
  /** How many threads the agent is a member of. */
  total: number;
}

/** Storage of the mailbox; every method is one transaction. */
export interface MailboxStore {
  /** The backend's name, e.g. "sqlite". */
  readonly backend: string;
  /** Registers an agent; true when it was created. */
  registerAgent(agentId: string): Promise<boolean>;
  /** Stores a message and its deliveries in one transaction (see the module's rules). */
  appendMessage(input: AppendMessageInput): Promise<AppendMessageResult>;
  /**
   * Moves the agent's read cursor of a thread forward (never back) to `upToSeq`,
   * clamped to what was delivered to it in the thread, or, without `upToSeq`, to
   * the last delivery of the thread at this moment; answers the cursor (0n when none).
   */
  markRead(agentId: string, threadId: string, upToSeq?: bigint): Promise<bigint>;
  /** The agent's unread deliveries after `afterSeq`, in sequence order, at most `limit` (0: all). */
  unreadDeliveries(agentId: string, afterSeq: bigint, limit: number): Promise<DeliveryRecord[]>;
  /**
   * A value that changes whenever the agent's unread deliveries change, or the
   * message count of a thread holding one: equal values mean the same unread
   * answer, so it may be reused (compared as a whole, never parsed).
   */
  unreadVersion(agentId: string): Promise<string>;
  /** The agent's deliveries after `afterSeq` whatever their read state, in sequence order, at most `limit`. */
  deliveriesAfter(agentId: string, afterSeq: bigint, limit: number): Promise<DeliveryRecord[]>;
  /** The agent's newest delivery sequence (0n when none). */
  latestSeq(agentId: string): Promise<bigint>;
  /** A thread with its members (no messages), or undefined. */
  thread(threadId: string): Promise<ThreadRecord | undefined>;
  /** A thread with its members and all its messages, or undefined. */
  threadWithMessages(threadId: string): Promise<ThreadWithMessages | undefined>;
  /** What the contexts of these threads are built from, in one snapshot; unknown threads are left out. */
  threadContexts(
    threadIds: readonly string[],
    recent: number,
    olderLimit: number,
  ): Promise<Map<string, ThreadContextRecord>>;
  /** How many messages each of these threads has (unknown threads are left out). */
  messageCounts(threadIds: readonly string[]): Promise<Map<string, number>>;
  /** The thread's messages `fromIndex..toIndex` (inclusive), oldest first. */
  threadMessages(threadId: string, fromIndex: number, toIndex: number): Promise<StoredMessage[]>;
  /** Saves a thread's structured summary unless one covering at least as much is saved. */
  saveSummary(threadId: string, summary: StoredSummary): Promise<void>;
  /** One page of the agent's threads and its unread count, from one snapshot. */
  mailboxPage(agentId: string, limit: number, offset: number): Promise<MailboxPageRecord>;
  /** Replaces the agent's token hash (registering the agent if needed). */
  setTokenHash(agentId: string, tokenHash: string): Promise<void>;
  /** Whether the agent has a token hash. */
  hasToken(agentId: string): Promise<boolean>;
  /** The agent a token hash belongs to, or undefined. */
  agentForTokenHash(tokenHash: string): Promise<string | undefined>;
  /**
   * Optional: calls `listener` with recipients of deliveries committed elsewhere
   * (another server sharing the store, e.g. PostgreSQL LISTEN/NOTIFY); the core
   * wakes its own watchers after its own sends. Returns the unsubscribe function.
   */
  onDeliveries?(listener: (agentIds: readonly string[]) => void): () => void;
  /** Whether the store answers. */
  health(): Promise<{ ok: boolean; detail?: string }>;
  /** Closes the store; later calls fail with `unavailable`. */
  close(): Promise<void>;
}
