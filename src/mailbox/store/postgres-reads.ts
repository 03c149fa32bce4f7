/**
 * The PostgreSQL store's reads of whole threads: thread rows with their
 * members and messages, the material of thread contexts and a mailbox page.
 * Each runs inside the caller's REPEATABLE READ transaction (one snapshot) and
 * batches its queries over all the threads asked.
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
  messageColumns,
  messageColumnsM,
  messagesOfThreads,
  type PgMessageRow,
  type PgThreadRow,
  type Queryable,
  toStoredMessage,
  toThreadRecords,
} from "./postgres-rows.js";

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

/** What the contexts of these threads are built from (`MailboxStore.threadContexts`). */
export async function readThreadContexts(
  q: Queryable,
  threadIds: readonly string[],
  recent: number,
  olderLimit: number,
): Promise<Map<string, ThreadContextRecord>> {
  const out = new Map<string, ThreadContextRecord>();
  const ids = [...new Set(threadIds)];
  const rows = await threadRows(q, ids);
  if (rows.length === 0) return out;
  const threads = await toThreadRecords(q, rows);
  const firstRecent = threads.map((t) => Math.max(0, t.messageCount - recent));
  const tids = threads.map((t) => t.id);
  const recentRows = await q.query<PgMessageRow>(
    `SELECT ${messageColumnsM} FROM unnest($1::text[], $2::int[]) AS v(t, f)
       JOIN mailbox_messages m ON m.thread_id = v.t AND m.n > v.f ORDER BY m.thread_id, m.n`,
    [tids, firstRecent],
  );
  const olderRows =
    olderLimit > 0
      ? await q.query<PgMessageRow>(
          `SELECT o.* FROM unnest($1::text[], $2::int[]) AS v(t, f), LATERAL (
               SELECT ${messageColumns} FROM mailbox_messages
               WHERE thread_id = v.t AND n <= v.f ORDER BY n DESC LIMIT $3) o
             ORDER BY o.thread_id, o.n DESC`,
          [tids, firstRecent, olderLimit],
        )
      : { rows: [] };
  const summaries = await q.query<{
    thread_id: string;
    covers_count: number;
    summary: string;
  }>(
    "SELECT thread_id, covers_count, summary FROM mailbox_summaries WHERE thread_id = ANY($1::text[])",
    [tids],
  );
  const group = (list: PgMessageRow[]) => {
    const g = new Map<string, PgMessageRow[]>();
    for (const r of list) {
      const l = g.get(r.thread_id) ?? [];
      if (l.length === 0) g.set(r.thread_id, l);
      l.push(r);
    }
    return g;
  };
  const recentBy = group(recentRows.rows);
  const olderBy = group(olderRows.rows);
  const summaryBy = new Map<string, StoredSummary>(
    summaries.rows.map((s) => [
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
