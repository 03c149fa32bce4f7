/**
 * The PostgreSQL send transaction (READ COMMITTED, one per send), in four
 * round trips: BEGIN; `mailbox_resolve_thread` finds or creates the thread and
 * locks it; `compose` decides the recipients in JavaScript; `mailbox_write_send`
 * writes everything and assigns the sequences (the functions are in
 * `postgres-schema.ts`); COMMIT.
 *
 * The recipients' counter rows are locked in sorted order and held until
 * commit, so a second send to the same recipient gets the next number only
 * after the first committed: per recipient, sequences are gap-free and in
 * commit order. The thread row lock does the same for the message's position
 * in the thread, and the advisory lock on a participant set keeps two servers
 * from creating two threads for one new set. The NOTIFY is queued inside the
 * transaction, so PostgreSQL delivers it only when the send commits.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { notFound } from "../core/mailbox-errors.js";
import type { MailRole } from "../core/mailbox-types.js";
import type {
  AppendMessageInput,
  AppendMessageResult,
  ResolvedThread,
  StoredMessage,
  StoredSummary,
} from "./mailbox-store.js";
import {
  messageColumns,
  type PgMessageRow,
  type Queryable,
  roleRank,
  toStoredMessage,
} from "./postgres-rows.js";

/** The largest NOTIFY payload PostgreSQL takes is 8000 bytes; chunks stay well below. */
const maxNotifyBytes = 7000;

/** How the send announces its recipients to the other servers. */
export interface NotifyTarget {
  /** The LISTEN/NOTIFY channel. */
  channel: string;
  /** This store's id, so its own listener skips what this store already woke. */
  source: string;
}

/** The NOTIFY payloads announcing these recipients: JSON `{s, a}` objects under the size limit. */
export function notifyPayloads(source: string, agentIds: readonly string[]): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) out.push(JSON.stringify({ s: source, a: batch }));
    batch = [];
    bytes = 0;
  };
  for (const id of agentIds) {
    const size = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (bytes + size > maxNotifyBytes) flush();
    batch.push(id);
    bytes += size;
  }
  flush();
  return out;
}

/** The thread of a send as `mailbox_resolve_thread` answers it, locked until commit. */
interface ResolvedRow {
  id: string;
  created: boolean;
  participants: string[];
  silent: string[];
  message_count: number;
  sender_member: boolean;
}

/** Finds the thread of a send and locks it, or creates it; `not_found` for an unknown explicit thread. */
async function resolveThread(q: Queryable, input: AppendMessageInput): Promise<ResolvedRow> {
  const r = await q.query<ResolvedRow>({
    name: "mailbox_resolve_thread",
    text: "SELECT * FROM mailbox_resolve_thread($1, $2, $3, $4, $5)",
    values: [
      input.threadId ?? null,
      input.threadId === undefined ? JSON.stringify(input.visibleSet ?? []) : null,
      randomUUID(),
      input.timestamp,
      input.from,
    ],
  });
  const row = r.rows[0];
  if (!row) throw notFound(`threadId: thread ${input.threadId} not found`);
  return row;
}

/** The thread's latest message and saved summary (for a handoff). */
async function latestOf(
  q: Queryable,
  row: ResolvedRow,
): Promise<{ latest: StoredMessage | undefined; summary: StoredSummary | undefined }> {
  const m = await q.query<PgMessageRow>({
    name: "mailbox_latest_message",
    text: `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = $1 AND n = $2`,
    values: [row.id, row.message_count],
  });
  const s = await q.query<{ covers_count: number; summary: string }>({
    name: "mailbox_summary_of",
    text: "SELECT covers_count, summary FROM mailbox_summaries WHERE thread_id = $1",
    values: [row.id],
  });
  const srow = s.rows[0];
  return {
    latest: m.rows[0] ? toStoredMessage(m.rows[0]) : undefined,
    summary: srow
      ? { coversCount: srow.covers_count, summary: JSON.parse(srow.summary) }
      : undefined,
  };
}

function sortedUnion(base: readonly string[], more: Iterable<string>): string[] {
  const set = new Set(base);
  for (const a of more) set.add(a);
  return [...set].sort();
}

/** Runs the body of the send transaction on a client inside `BEGIN` (the caller commits). */
export async function appendInPgTransaction(
  q: Queryable,
  input: AppendMessageInput,
  notify: NotifyTarget,
): Promise<AppendMessageResult> {
  const row = await resolveThread(q, input);
  const threadId = row.id;
  const extras =
    input.wantLatest && row.message_count > 0
      ? await latestOf(q, row)
      : { latest: undefined, summary: undefined };
  const resolved: ResolvedThread = {
    id: threadId,
    created: row.created,
    participants: row.participants,
    silentParticipants: row.silent,
    senderIsMember: row.sender_member,
    latest: extras.latest,
    summary: extras.summary,
  };
  const composed = input.compose(resolved);
  const { to, cc, bcc } = composed;
  const n = row.message_count + 1;

  const roles = new Map<string, MailRole>([[input.from, "to"]]);
  const raise = (a: string, r: MailRole) => {
    const had = roles.get(a);
    if (had === undefined || roleRank[r] > roleRank[had]) roles.set(a, r);
  };
  for (const a of to) raise(a, "to");
  for (const a of cc) raise(a, "cc");
  for (const a of bcc) raise(a, "bcc");
  const memberIds = [...roles.keys()];
  const visible = sortedUnion(row.participants, [input.from, ...to, ...cc]);
  const recipients = composed.deliveredTo.map((d) => d.agentId);

  const seqs = await q.query<{ agent_id: string; seq: bigint }>({
    name: "mailbox_write_send",
    text: `SELECT * FROM mailbox_write_send($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
      $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    values: [
      threadId,
      n,
      input.messageId,
      input.from,
      to,
      cc,
      bcc,
      input.replyTo ?? null,
      input.payloadJson,
      composed.snapshotJson,
      input.timestamp,
      visible,
      sortedUnion(row.silent, bcc),
      JSON.stringify(visible),
      sortedUnion([], [input.from, ...to, ...cc, ...bcc]),
      memberIds,
      memberIds.map((a) => roleRank[roles.get(a) ?? "to"]),
      [...new Set(bcc.filter((a) => a !== input.from))],
      recipients,
      notify.channel,
      notifyPayloads(notify.source, recipients),
    ],
  });
  const byAgent = new Map(seqs.rows.map((r) => [r.agent_id, r.seq]));
  const deliveries = recipients.map((agentId) => {
    const seq = byAgent.get(agentId);
    if (seq === undefined) throw new Error(`no delivery sequence assigned to ${agentId}`);
    return { agentId, seq };
  });
  return { threadId, index: n, deliveries };
}
