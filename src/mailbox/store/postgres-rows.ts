/**
 * The PostgreSQL store's rows and their mapping to store records, the
 * batched reads of thread records (one query for the members of every thread
 * asked, one for their bcc links) that several store methods share, and the
 * helpers of statements glued into one simple query (literals, results).
 *
 * `bigint` columns arrive as JS `bigint` (the store's pool parses int8 so);
 * counts, positions and epoch milliseconds are narrowed to numbers here.
 *
 * @module
 */
import type Pg from "pg";
import type { JsonObject, JsonValue } from "../core/mailbox-types.js";
import type { MemberRecord, StoredMessage, ThreadRecord } from "./mailbox-store.js";
import { roleOfRank } from "./send-bookkeeping.js";

/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<Pg.ClientBase, "query">;

/** A row of `mailbox_messages`. */
export interface PgMessageRow {
  thread_id: string;
  n: number;
  id: string;
  from_agent: string;
  to_agents: string[];
  cc_agents: string[];
  bcc_agents: string[];
  reply_to: string | null;
  payload: string;
  snapshot: string;
  timestamp: bigint;
}

/** A row of `mailbox_threads`. */
export interface PgThreadRow {
  id: string;
  participants: string[];
  silent: string[];
  current_key: string;
  creation_key: string;
  created_at: bigint;
  updated_at: bigint;
  message_count: number;
  last_order: bigint;
}

/** The columns of a message, in table order. */
export const messageColumns =
  "thread_id, n, id, from_agent, to_agents, cc_agents, bcc_agents, reply_to, payload, snapshot, timestamp";
/** The columns of a message, prefixed with `m.`. */
export const messageColumnsM = messageColumns
  .split(", ")
  .map((c) => `m.${c}`)
  .join(", ");

/** Maps a message row to a stored message. */
export function toStoredMessage(row: PgMessageRow): StoredMessage {
  return {
    id: row.id,
    threadId: row.thread_id,
    index: row.n,
    from: row.from_agent,
    to: row.to_agents,
    cc: row.cc_agents,
    bcc: row.bcc_agents,
    replyTo: row.reply_to ?? undefined,
    payload: JSON.parse(row.payload) as JsonValue,
    contextSnapshot: JSON.parse(row.snapshot) as JsonObject,
    timestamp: Number(row.timestamp),
  };
}

/** The members of the threads in `ids` (an SQL array expression: `$1::text[]` or a literal), in order. */
export function membersSql(ids: string): string {
  return `SELECT thread_id, agent_id, role, joined_at, visible_joined_at FROM mailbox_members
     WHERE thread_id = ANY(${ids}) ORDER BY thread_id, joined_at, ord`;
}

/** The bcc links of the threads in `ids` (an SQL array expression), in order. */
export function bccLinksSql(ids: string): string {
  return `SELECT thread_id, agent_id, sender FROM mailbox_bcc WHERE thread_id = ANY(${ids}) ORDER BY ord`;
}

/** A row of `membersSql`. */
export interface PgMemberRow {
  thread_id: string;
  agent_id: string;
  role: number;
  joined_at: bigint;
  visible_joined_at: bigint | null;
}

/** A row of `bccLinksSql`. */
export interface PgBccLinkRow {
  thread_id: string;
  agent_id: string;
  sender: string;
}

/** Maps thread rows, with the member and bcc-link rows of those threads, to records. */
export function threadRecordsOf(
  rows: readonly PgThreadRow[],
  members: readonly PgMemberRow[],
  links: readonly PgBccLinkRow[],
): ThreadRecord[] {
  const bccBy = new Map<string, string[]>();
  for (const l of links) {
    const key = `${l.thread_id}\u0000${l.agent_id}`;
    const list = bccBy.get(key);
    if (list) list.push(l.sender);
    else bccBy.set(key, [l.sender]);
  }
  const byThread = new Map<string, MemberRecord[]>();
  for (const m of members) {
    const list = byThread.get(m.thread_id) ?? [];
    if (list.length === 0) byThread.set(m.thread_id, list);
    list.push({
      agentId: m.agent_id,
      role: roleOfRank(m.role),
      joinedAt: Number(m.joined_at),
      visibleJoinedAt: m.visible_joined_at === null ? undefined : Number(m.visible_joined_at),
      bccBy: bccBy.get(`${m.thread_id}\u0000${m.agent_id}`) ?? [],
    });
  }
  return rows.map((row) => ({
    id: row.id,
    participants: row.participants,
    silentParticipants: row.silent,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    messageCount: row.message_count,
    members: byThread.get(row.id) ?? [],
  }));
}

/** Reads the members and bcc links of these thread rows (two queries in all) and maps them to records. */
export async function toThreadRecords(q: Queryable, rows: PgThreadRow[]): Promise<ThreadRecord[]> {
  if (rows.length === 0) return [];
  const ids = [rows.map((r) => r.id)];
  const members = await q.query<PgMemberRow>(membersSql("$1::text[]"), ids);
  const links = await q.query<PgBccLinkRow>(bccLinksSql("$1::text[]"), ids);
  return threadRecordsOf(rows, members.rows, links.rows);
}

/** The literals of statements glued into one simple query (which carries no parameters). */
export interface SqlLiterals {
  /** A string as a quoted literal; null as NULL. */
  text(value: string | null): string;
  /** Strings as a `text[]` literal. */
  texts(list: readonly string[]): string;
  /** A safe integer as a numeric literal; anything else throws. */
  int(value: number): string;
}

/** The literals quoted with a client's `escapeLiteral`. */
export function sqlLiterals(escapeLiteral: (value: string) => string): SqlLiterals {
  const text = (v: string | null) => (v === null ? "NULL" : escapeLiteral(v));
  return {
    text,
    texts: (list) =>
      list.length === 0 ? "'{}'::text[]" : `ARRAY[${list.map(text).join(", ")}]::text[]`,
    int: (v) => {
      if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
      return String(v);
    },
  };
}

/** The rows of statement `index` of a simple query of several statements. */
export function rowsOf<R>(result: unknown, index: number): R[] {
  const results = Array.isArray(result) ? result : [result];
  return ((results[index] as { rows?: R[] } | undefined)?.rows ?? []) as R[];
}

/** Every message of these threads, oldest first, grouped by thread. */
export async function messagesOfThreads(
  q: Queryable,
  threadIds: string[],
): Promise<Map<string, StoredMessage[]>> {
  const out = new Map<string, StoredMessage[]>();
  if (threadIds.length === 0) return out;
  const r = await q.query<PgMessageRow>(
    `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = ANY($1::text[]) ORDER BY thread_id, n`,
    [threadIds],
  );
  for (const row of r.rows) {
    const list = out.get(row.thread_id) ?? [];
    if (list.length === 0) out.set(row.thread_id, list);
    list.push(toStoredMessage(row));
  }
  return out;
}
