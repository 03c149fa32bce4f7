/**
 * The PostgreSQL send transaction (READ COMMITTED, one per send):
 *
 * 1. the thread: an explicit one is locked `FOR UPDATE`; a participant set is
 *    resolved under a transaction-scoped advisory lock on the set's key (so two
 *    servers never create two threads for one new set), then the thread found
 *    is locked and checked again, or a new one is inserted;
 * 2. `compose` decides the recipients, with the thread locked;
 * 3. one statement writes the agents (in sorted order), the message, the
 *    thread's new state, the memberships and bcc links, and queues the NOTIFY
 *    (delivered by PostgreSQL only when the transaction commits);
 * 4. one statement locks the recipients' counter rows in sorted order
 *    (`SELECT … ORDER BY id FOR UPDATE`: no deadlock between sends with
 *    overlapping recipients), increments them, and inserts the deliveries.
 *
 * The counter row lock is held until commit, so a second send to the same
 * recipient gets the next number only after the first committed: per
 * recipient, sequences are gap-free and in commit order. The thread row lock
 * does the same for the message's position in the thread.
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
  type PgThreadRow,
  type Queryable,
  roleRank,
  toStoredMessage,
} from "./postgres-rows.js";

/** The first key of the advisory locks taken on a participant set ("mb" + "th"). */
const threadKeyLockSpace = 0x6d627468;

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

async function lockedThread(q: Queryable, id: string): Promise<PgThreadRow | undefined> {
  const r = await q.query<PgThreadRow>("SELECT * FROM mailbox_threads WHERE id = $1 FOR UPDATE", [
    id,
  ]);
  return r.rows[0];
}

/** Finds the thread of a send and locks it, or creates it; `not_found` for an unknown explicit thread. */
async function resolveThread(
  q: Queryable,
  input: AppendMessageInput,
): Promise<{ row: PgThreadRow; created: boolean }> {
  if (input.threadId !== undefined) {
    const row = await lockedThread(q, input.threadId);
    if (!row) throw notFound(`threadId: thread ${input.threadId} not found`);
    return { row, created: false };
  }
  const key = JSON.stringify(input.visibleSet ?? []);
  await q.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [threadKeyLockSpace, key]);
  for (;;) {
    const found = await q.query<{ id: string }>(
      `SELECT id FROM mailbox_threads WHERE current_key = $1 OR creation_key = $1
       ORDER BY (current_key = $1) DESC, last_order DESC LIMIT 1`,
      [key],
    );
    const id = found.rows[0]?.id;
    if (id === undefined) break;
    const row = await lockedThread(q, id);
    // A send into that thread may have moved it to another set while this one waited.
    if (row && (row.current_key === key || row.creation_key === key))
      return { row, created: false };
  }
  const created = await q.query<PgThreadRow>(
    `INSERT INTO mailbox_threads (id, participants, silent, current_key, creation_key, created_at, updated_at)
     VALUES ($1, '{}', '{}', $2, $2, $3, $3) RETURNING *`,
    [randomUUID(), key, input.timestamp],
  );
  return { row: created.rows[0] as PgThreadRow, created: true };
}

/** What `compose` may ask for besides the thread: its latest message and summary, and the sender's membership. */
async function threadExtras(
  q: Queryable,
  input: AppendMessageInput,
  row: PgThreadRow,
): Promise<{ latest?: StoredMessage; summary?: StoredSummary; senderIsMember: boolean }> {
  const wantLatest = input.wantLatest && row.message_count > 0;
  const r = await q.query<{ member: boolean; covers_count: number | null; summary: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM mailbox_members WHERE agent_id = $1 AND thread_id = $2) AS member,
       s.covers_count, s.summary
     FROM (SELECT 1) one LEFT JOIN mailbox_summaries s ON $3 AND s.thread_id = $2`,
    [input.from, row.id, wantLatest],
  );
  const extras = r.rows[0];
  let latest: StoredMessage | undefined;
  if (wantLatest) {
    const m = await q.query<PgMessageRow>(
      `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = $1 AND n = $2`,
      [row.id, row.message_count],
    );
    if (m.rows[0]) latest = toStoredMessage(m.rows[0]);
  }
  const summary =
    extras?.summary != null && extras.covers_count !== null
      ? { coversCount: extras.covers_count, summary: JSON.parse(extras.summary) }
      : undefined;
  return {
    senderIsMember: extras?.member === true,
    ...(latest ? { latest } : {}),
    ...(summary ? { summary } : {}),
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
  const { row, created } = await resolveThread(q, input);
  const threadId = row.id;
  const extras = await threadExtras(q, input, row);
  const resolved: ResolvedThread = {
    id: threadId,
    created,
    participants: row.participants,
    silentParticipants: row.silent,
    senderIsMember: extras.senderIsMember,
    latest: extras.latest,
    summary: extras.summary,
  };
  const composed = input.compose(resolved);
  const { to, cc, bcc } = composed;
  const ts = input.timestamp;
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
  const bccOthers = [...new Set(bcc.filter((a) => a !== input.from))];

  await q.query(
    `WITH agents AS (
       INSERT INTO mailbox_agents (id, created_at)
       SELECT a, $1::bigint FROM unnest($2::text[]) AS a ORDER BY a
       ON CONFLICT (id) DO NOTHING
     ), message AS (
       INSERT INTO mailbox_messages (${messageColumns})
       VALUES ($3, $4::integer, $5, $6, $7::text[], $8::text[], $9::text[], $10, $11, $12, $1::bigint)
     ), thread AS (
       UPDATE mailbox_threads SET participants = $13::text[], silent = $14::text[], current_key = $15::text,
         updated_at = $1::bigint, message_count = $4::integer, last_order = nextval('mailbox_thread_order')
       WHERE id = $3
     ), members AS (
       INSERT INTO mailbox_members (agent_id, thread_id, role, joined_at, visible_joined_at)
       SELECT a, $3::text, r, $1::bigint, CASE WHEN r = 1 THEN NULL ELSE $1::bigint END
       FROM unnest($16::text[], $17::smallint[]) WITH ORDINALITY AS m(a, r, o) ORDER BY o
       ON CONFLICT (agent_id, thread_id) DO UPDATE SET
         role = greatest(mailbox_members.role, excluded.role),
         visible_joined_at = coalesce(mailbox_members.visible_joined_at, excluded.visible_joined_at)
     ), links AS (
       INSERT INTO mailbox_bcc (thread_id, agent_id, sender)
       SELECT $3::text, a, $6::text FROM unnest($18::text[]) WITH ORDINALITY AS b(a, o) ORDER BY o
       ON CONFLICT DO NOTHING
     )
     SELECT pg_notify($19, p) FROM unnest($20::text[]) AS p`,
    [
      ts,
      sortedUnion([], [input.from, ...to, ...cc, ...bcc]),
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
      visible,
      sortedUnion(row.silent, bcc),
      JSON.stringify(visible),
      memberIds,
      memberIds.map((a) => roleRank[roles.get(a) ?? "to"]),
      bccOthers,
      notify.channel,
      notifyPayloads(notify.source, recipients),
    ],
  );

  if (recipients.length === 0) return { threadId, index: n, deliveries: [] };
  const seqs = await q.query<{ id: string; seq: bigint }>(
    `WITH locked AS MATERIALIZED (
       SELECT id FROM mailbox_agents WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
     ), counted AS (
       UPDATE mailbox_agents a SET last_seq = a.last_seq + 1
       FROM locked WHERE a.id = locked.id RETURNING a.id, a.last_seq AS seq
     ), deliveries AS (
       INSERT INTO mailbox_deliveries (agent_id, seq, thread_id, n)
       SELECT id, seq, $2, $3 FROM counted
     ), delivered AS (
       UPDATE mailbox_members p SET last_seq = c.seq, unread = p.unread + 1
       FROM counted c WHERE p.agent_id = c.id AND p.thread_id = $2
     )
     SELECT id, seq FROM counted`,
    [recipients, threadId, n],
  );
  const byAgent = new Map(seqs.rows.map((r) => [r.id, r.seq]));
  const deliveries = recipients.map((agentId) => {
    const seq = byAgent.get(agentId);
    if (seq === undefined) throw new Error(`no delivery sequence assigned to ${agentId}`);
    return { agentId, seq };
  });
  return { threadId, index: n, deliveries };
}
