/**
 * The SQLite send transaction: thread resolution, the message, the members,
 * the bcc links and every recipient's next delivery sequence, written by the
 * single writer inside one `BEGIN IMMEDIATE` transaction.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { notFound } from "../core/mailbox-errors.js";
import type {
  AppendMessageInput,
  AppendMessageResult,
  ResolvedThread,
  StoredMessage,
} from "./mailbox-store.js";
import { memberRoles, participantsAfter, roleRank } from "./send-bookkeeping.js";
import {
  type MessageRow,
  type Statements,
  type ThreadRow,
  toStoredMessage,
} from "./sqlite-statements.js";

/** Finds the thread of a send, or creates it; throws `not_found` for an unknown explicit thread. */
function resolveThread(
  s: Statements,
  input: AppendMessageInput,
): { row: ThreadRow; created: boolean } {
  if (input.threadId !== undefined) {
    const row = s.threadById.get(input.threadId) as ThreadRow | undefined;
    if (!row) throw notFound(`threadId: thread ${input.threadId} not found`);
    return { row, created: false };
  }
  const key = JSON.stringify(input.visibleSet ?? []);
  const found =
    (s.threadByCurrent.get(key) as ThreadRow | undefined) ??
    (s.threadByCreation.get(key) as ThreadRow | undefined);
  if (found) return { row: found, created: false };
  const id = randomUUID();
  s.insertThread.run(id, key, key, input.timestamp, input.timestamp);
  return { row: s.threadById.get(id) as ThreadRow, created: true };
}

/** What one send wrote, for the caller to remember once its transaction committed. */
export interface AppendWrites {
  /** Agents registered by the send. */
  readonly agents: string[];
  /** The message row as stored. */
  row?: MessageRow;
}

/**
 * Runs the body of the send transaction (the caller wraps it in a transaction).
 * `knownAgents` holds ids already registered (agents are never deleted), to skip
 * their inserts; `writes` collects what the send wrote, which the caller may
 * remember only once its transaction committed.
 */
export function appendInTransaction(
  s: Statements,
  input: AppendMessageInput,
  knownAgents: ReadonlySet<string>,
  writes: AppendWrites,
): AppendMessageResult {
  const { row, created } = resolveThread(s, input);
  const threadId = row.id;
  const participants = JSON.parse(row.participants) as string[];
  const silent = JSON.parse(row.silent) as string[];
  let latest: StoredMessage | undefined;
  let summary: ResolvedThread["summary"];
  if (input.wantLatest && row.message_count > 0) {
    latest = toStoredMessage(s.messageAt.get(threadId, row.message_count) as MessageRow);
    const srow = s.summary.get(threadId) as { covers_count: number; summary: string } | undefined;
    if (srow) summary = { coversCount: srow.covers_count, summary: JSON.parse(srow.summary) };
  }
  const composed = input.compose({
    id: threadId,
    created,
    participants,
    silentParticipants: silent,
    senderIsMember: s.isMember.get(input.from, threadId) !== undefined,
    latest,
    summary,
  });
  const { to, cc, bcc } = composed;
  const ts = input.timestamp;

  for (const a of [input.from, ...to, ...cc, ...bcc]) {
    if (knownAgents.has(a)) continue;
    s.insertAgent.run(a, ts);
    writes.agents.push(a);
  }

  const n = row.message_count + 1;
  const stored: MessageRow = {
    rid: 0,
    thread_id: threadId,
    n,
    id: input.messageId,
    from_agent: input.from,
    to_json: JSON.stringify(to),
    cc_json: cc.length > 0 ? JSON.stringify(cc) : null,
    bcc_json: bcc.length > 0 ? JSON.stringify(bcc) : null,
    reply_to: input.replyTo ?? null,
    payload: input.payloadJson,
    snapshot: composed.snapshotJson,
    timestamp: ts,
  };
  stored.rid = Number(
    s.insertMessage.run(
      stored.thread_id,
      stored.n,
      stored.id,
      stored.from_agent,
      stored.to_json,
      stored.cc_json,
      stored.bcc_json,
      stored.reply_to,
      stored.payload,
      stored.snapshot,
      stored.timestamp,
    ).lastInsertRowid,
  );
  writes.row = stored;
  const rid = stored.rid;
  const after = participantsAfter({ participants, silent }, { from: input.from, to, cc, bcc });
  const visible = JSON.stringify(after.visible);
  s.updateThread.run(visible, JSON.stringify(after.silent), visible, ts, n, threadId);

  // One membership upsert per agent, with its highest role in this message.
  for (const [a, r] of memberRoles(input.from, to, cc, bcc))
    s.upsertMember.run(a, threadId, roleRank[r], ts, r === "bcc" ? null : ts);
  for (const a of bcc) if (a !== input.from) s.insertBcc.run(threadId, a, input.from);

  const deliveries: AppendMessageResult["deliveries"] = [];
  for (const d of composed.deliveredTo) {
    const seq = (s.nextSeq.get(d.agentId) as { last_seq: number }).last_seq;
    s.insertDelivery.run(d.agentId, seq, threadId, rid);
    s.memberDelivered.run(seq, d.agentId, threadId);
    deliveries.push({ agentId: d.agentId, seq: BigInt(seq) });
  }
  return { threadId, index: n, deliveries };
}
