/**
 * The PostgreSQL store's reads of whole threads: thread rows with their
 * members and messages, the material of thread contexts and a mailbox page.
 * Each runs inside one REPEATABLE READ transaction (one snapshot) and batches
 * its queries over all the threads asked.
 *
 * @module
 */
import type {
  MailboxPageRecord,
  StoredSummary,
  ThreadContextRecord,
  ThreadWithMessages,
} from "./mailbox-store.js";
import {
  bccLinksSql,
  membersSql,
  messageColumns,
  messageColumnsM,
  messagesOfThreads,
  type PgBccLinkRow,
  type PgMemberRow,
  type PgMessageRow,
  type PgThreadRow,
  type Queryable,
  rowsOf,
  sqlLiterals,
  threadRecordsOf,
  toStoredMessage,
  toThreadRecords,
} from "./postgres-rows.js";
import type { PgSession } from "./postgres-transaction.js";

/** The rows of these threads (unknown ones are left out). */
export async function threadRows(q: Queryable, ids: readonly string[]): Promise<PgThreadRow[]> {
  return (
    await q.query<PgThreadRow>("SELECT * FROM mailbox_threads WHERE id = ANY($1::text[])", [ids])
  ).rows;
}

/** These threads as records with their members and all their messages. */
export async function withMessages(
  q: Queryable,
  rows: PgThreadRow[],
): Promise<ThreadWithMessages[]> {
  const records = await toThreadRecords(q, rows);
  const messages = await messagesOfThreads(
    q,
    rows.map((r) => r.id),
  );
  return records.map((t) => ({ ...t, messages: messages.get(t.id) ?? [] }));
}

/**
 * What the contexts of these threads are built from (`MailboxStore.threadContexts`),
 * in one round trip: the snapshot's BEGIN, the six reads and COMMIT glued into
 * one simple query (a push frame carries its thread's context, and eight
 * round trips were most of a push's time on PostgreSQL). Run in the `self`
 * mode of the transaction runner, which rolls back when a statement fails.
 */
export async function readThreadContexts(
  q: PgSession,
  threadIds: readonly string[],
  recent: number,
  olderLimit: number,
): Promise<Map<string, ThreadContextRecord>> {
  const out = new Map<string, ThreadContextRecord>();
  const ids = [...new Set(threadIds)];
  if (ids.length === 0) return out;
  const { texts, int } = sqlLiterals((v) => q.escapeLiteral(v));
  const idList = texts(ids);
  const recentCount = int(recent);
  const olderCount = int(olderLimit);
  const result = await q.query(
    [
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
      `SELECT * FROM mailbox_threads WHERE id = ANY(${idList})`,
      membersSql(idList),
      bccLinksSql(idList),
      `SELECT ${messageColumnsM} FROM mailbox_threads t
         JOIN mailbox_messages m ON m.thread_id = t.id AND m.n > t.message_count - ${recentCount}
         WHERE t.id = ANY(${idList}) ORDER BY m.thread_id, m.n`,
      olderLimit > 0
        ? `SELECT o.* FROM mailbox_threads t, LATERAL (
             SELECT ${messageColumns} FROM mailbox_messages
             WHERE thread_id = t.id AND n <= t.message_count - ${recentCount} ORDER BY n DESC LIMIT ${olderCount}) o
           WHERE t.id = ANY(${idList}) ORDER BY o.thread_id, o.n DESC`
        : `SELECT ${messageColumns} FROM mailbox_messages WHERE false`,
      `SELECT thread_id, covers_count, summary FROM mailbox_summaries WHERE thread_id = ANY(${idList})`,
      "COMMIT",
    ].join(";\n"),
  );
  const rows = rowsOf<PgThreadRow>(result, 1);
  if (rows.length === 0) return out;
  const threads = threadRecordsOf(
    rows,
    rowsOf<PgMemberRow>(result, 2),
    rowsOf<PgBccLinkRow>(result, 3),
  );
  const summaries = rowsOf<{ thread_id: string; covers_count: number; summary: string }>(result, 6);
  const group = (list: PgMessageRow[]) => {
    const g = new Map<string, PgMessageRow[]>();
    for (const r of list) {
      const l = g.get(r.thread_id) ?? [];
      if (l.length === 0) g.set(r.thread_id, l);
      l.push(r);
    }
    return g;
  };
  const recentBy = group(rowsOf<PgMessageRow>(result, 4));
  const olderBy = group(rowsOf<PgMessageRow>(result, 5));
  const summaryBy = new Map<string, StoredSummary>(
    summaries.map((s) => [
      s.thread_id,
      { coversCount: s.covers_count, summary: JSON.parse(s.summary) },
    ]),
  );
  const byId = new Map(threads.map((t) => [t.id, t]));
  for (const id of ids) {
    const thread = byId.get(id);
    if (!thread) continue;
    out.set(id, {
      thread,
      recent: (recentBy.get(id) ?? []).map(toStoredMessage),
      olderNewestFirst: (olderBy.get(id) ?? []).map(toStoredMessage),
      summary: summaryBy.get(id),
    });
  }
  return out;
}

/** One page of the agent's threads with its unread count and thread total (`MailboxStore.mailboxPage`). */
export async function readMailboxPage(
  q: Queryable,
  agentId: string,
  limit: number,
  offset: number,
): Promise<MailboxPageRecord> {
  const rows = await q.query<PgThreadRow>(
    `SELECT t.* FROM mailbox_members p JOIN mailbox_threads t ON t.id = p.thread_id
       WHERE p.agent_id = $1 ORDER BY t.last_order DESC LIMIT $2 OFFSET $3`,
    [agentId, limit, offset],
  );
  const counts = await q.query<{ unread: number; total: number }>(
    `SELECT coalesce(sum(unread), 0)::int AS unread, count(*)::int AS total
       FROM mailbox_members WHERE agent_id = $1`,
    [agentId],
  );
  return {
    threads: await withMessages(q, rows.rows),
    unreadCount: counts.rows[0]?.unread ?? 0,
    total: counts.rows[0]?.total ?? 0,
  };
}
