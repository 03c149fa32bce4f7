/**
 * The SQLite store's prepared statements, prepared once per connection, and
 * the mapping of their rows to store records.
 *
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";
import type { JsonObject, JsonValue } from "../core/mailbox-types.js";
import type { MemberRecord, StoredMessage, ThreadRecord } from "./mailbox-store.js";
import { roleOfRank } from "./send-bookkeeping.js";

/** A row of `mailbox_messages`. */
export interface MessageRow {
  rid: number;
  thread_id: string;
  n: number;
  id: string;
  from_agent: string;
  to_json: string;
  cc_json: string | null;
  bcc_json: string | null;
  reply_to: string | null;
  payload: string;
  snapshot: string;
  timestamp: number;
}

/** A row of `mailbox_threads`. */
export interface ThreadRow {
  id: string;
  participants: string;
  silent: string;
  current_key: string;
  creation_key: string;
  created_at: number;
  updated_at: number;
  message_count: number;
  last_order: number;
}

/** A row of `mailbox_members` as read for a thread. */
interface MemberRow {
  agent_id: string;
  role: number;
  joined_at: number;
  visible_joined_at: number | null;
}

const messageColumns =
  "rid, thread_id, n, id, from_agent, to_json, cc_json, bcc_json, reply_to, payload, snapshot, timestamp";
const insertColumns = messageColumns.replace("rid, ", "");

/** The SQL of every statement the store runs. */
const sqlText = {
  insertAgent: "INSERT OR IGNORE INTO mailbox_agents (id, created_at) VALUES (?, ?)",
  nextSeq: "UPDATE mailbox_agents SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
  agentSeq: "SELECT last_seq FROM mailbox_agents WHERE id = ?",
  threadById: "SELECT * FROM mailbox_threads WHERE id = ?",
  threadByCurrent:
    "SELECT * FROM mailbox_threads WHERE current_key = ? ORDER BY last_order DESC LIMIT 1",
  messageCount: "SELECT message_count FROM mailbox_threads WHERE id = ?",
  threadByCreation: "SELECT * FROM mailbox_threads WHERE creation_key = ?",
  insertThread: `INSERT INTO mailbox_threads (id, participants, silent, current_key, creation_key, created_at, updated_at)
       VALUES (?, '[]', '[]', ?, ?, ?, ?)`,
  updateThread: `UPDATE mailbox_threads SET participants = ?, silent = ?, current_key = ?, updated_at = ?,
         message_count = ?,
         last_order = (SELECT coalesce(max(last_order), 0) + 1 FROM mailbox_threads)
       WHERE id = ?`,
  isMember: "SELECT 1 AS x FROM mailbox_members WHERE agent_id = ? AND thread_id = ?",
  upsertMember: `INSERT INTO mailbox_members (agent_id, thread_id, role, joined_at, visible_joined_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (agent_id, thread_id) DO UPDATE SET role = max(role, excluded.role),
         visible_joined_at = coalesce(visible_joined_at, excluded.visible_joined_at)`,
  insertBcc: "INSERT OR IGNORE INTO mailbox_bcc (thread_id, agent_id, sender) VALUES (?, ?, ?)",
  insertMessage: `INSERT INTO mailbox_messages (${insertColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertDelivery:
    "INSERT INTO mailbox_deliveries (agent_id, seq, thread_id, rid) VALUES (?, ?, ?, ?)",
  memberDelivered: `UPDATE mailbox_members SET last_seq = ?, unread = unread + 1
       WHERE agent_id = ? AND thread_id = ?`,
  members: `SELECT agent_id, role, joined_at, visible_joined_at FROM mailbox_members
       WHERE thread_id = ? ORDER BY joined_at, rowid`,
  bccLinks: "SELECT agent_id, sender FROM mailbox_bcc WHERE thread_id = ?",
  cursor: "SELECT read_seq, last_seq FROM mailbox_members WHERE agent_id = ? AND thread_id = ?",
  countAfter: `SELECT count(*) AS c FROM mailbox_deliveries WHERE agent_id = ? AND thread_id = ? AND seq > ?`,
  setCursor:
    "UPDATE mailbox_members SET read_seq = ?, unread = ? WHERE agent_id = ? AND thread_id = ?",
  unread: `SELECT d.seq AS seq, d.rid AS rid FROM mailbox_members p
       CROSS JOIN mailbox_deliveries d INDEXED BY mailbox_deliveries_thread
         ON d.agent_id = p.agent_id AND d.thread_id = p.thread_id AND d.seq > p.read_seq
       WHERE p.agent_id = ? AND p.unread > 0 AND d.seq > ?
       ORDER BY d.seq LIMIT ?`,
  unreadVersion: `SELECT json_group_array(json_array(p.thread_id, p.read_seq, p.last_seq, t.message_count)) AS v
       FROM mailbox_members p INDEXED BY mailbox_members_unread
       JOIN mailbox_threads t ON t.id = p.thread_id
       WHERE p.agent_id = ? AND p.unread > 0`,
  unreadCount:
    "SELECT coalesce(sum(unread), 0) AS c FROM mailbox_members WHERE agent_id = ? AND unread > 0",
  deliveriesAfter:
    "SELECT seq, rid FROM mailbox_deliveries WHERE agent_id = ? AND seq > ? ORDER BY seq LIMIT ?",
  messageByRid: `SELECT ${messageColumns} FROM mailbox_messages WHERE rid = ?`,
  messagesFrom: `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = ? AND n > ? ORDER BY n`,
  messagesRange: `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = ? AND n >= ? AND n <= ?
       ORDER BY n`,
  // Row ids only (plucked: plain numbers): the store keeps parsed messages by
  // row id, so most contexts read no message text.
  ridsFrom: "SELECT rid FROM mailbox_messages WHERE thread_id = ? AND n > ? ORDER BY n",
  olderRidsNewestFirst:
    "SELECT rid FROM mailbox_messages WHERE thread_id = ? AND n <= ? ORDER BY n DESC LIMIT ?",
  messageAt: `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = ? AND n = ?`,
  summary: "SELECT covers_count, summary FROM mailbox_summaries WHERE thread_id = ?",
  summaryCovers: "SELECT covers_count FROM mailbox_summaries WHERE thread_id = ?",
  saveSummary: `INSERT INTO mailbox_summaries (thread_id, covers_count, summary) VALUES (?, ?, ?)
       ON CONFLICT (thread_id) DO UPDATE SET covers_count = excluded.covers_count,
         summary = excluded.summary WHERE excluded.covers_count > mailbox_summaries.covers_count`,
  pageThreads: `SELECT t.* FROM mailbox_members p JOIN mailbox_threads t ON t.id = p.thread_id
       WHERE p.agent_id = ? ORDER BY t.last_order DESC LIMIT ? OFFSET ?`,
  threadTotal: "SELECT count(*) AS c FROM mailbox_members WHERE agent_id = ?",
  deleteToken: "DELETE FROM mailbox_tokens WHERE agent_id = ?",
  insertToken: "INSERT INTO mailbox_tokens (token_hash, agent_id, created_at) VALUES (?, ?, ?)",
  hasToken: "SELECT 1 AS x FROM mailbox_tokens WHERE agent_id = ?",
  tokenAgent: "SELECT agent_id FROM mailbox_tokens WHERE token_hash = ?",
};

/** The prepared statements of one connection. */
export type Statements = { [K in keyof typeof sqlText]: BetterSqlite3.Statement };

/** The statements that answer one column as plain values (row ids), not row objects. */
const plucked: ReadonlySet<string> = new Set(["ridsFrom", "olderRidsNewestFirst", "summaryCovers"]);

/** Prepares every statement the store runs. */
export function prepareStatements(db: BetterSqlite3.Database): Statements {
  const out: Partial<Statements> = {};
  for (const [name, sql] of Object.entries(sqlText)) {
    const statement = db.prepare(sql);
    out[name as keyof Statements] = plucked.has(name) ? statement.pluck() : statement;
  }
  return out as Statements;
}

/** Maps a message row to a stored message. */
export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    threadId: row.thread_id,
    index: row.n,
    from: row.from_agent,
    to: JSON.parse(row.to_json) as string[],
    cc: row.cc_json === null ? [] : (JSON.parse(row.cc_json) as string[]),
    bcc: row.bcc_json === null ? [] : (JSON.parse(row.bcc_json) as string[]),
    replyTo: row.reply_to ?? undefined,
    payload: JSON.parse(row.payload) as JsonValue,
    contextSnapshot: JSON.parse(row.snapshot) as JsonObject,
    timestamp: row.timestamp,
  };
}

/** Reads a thread's members (with who blind-copied each) and maps the thread row. */
export function toThreadRecord(s: Statements, row: ThreadRow): ThreadRecord {
  const bccBy = new Map<string, string[]>();
  for (const link of s.bccLinks.all(row.id) as { agent_id: string; sender: string }[]) {
    const list = bccBy.get(link.agent_id);
    if (list) list.push(link.sender);
    else bccBy.set(link.agent_id, [link.sender]);
  }
  const members: MemberRecord[] = (s.members.all(row.id) as MemberRow[]).map((m) => ({
    agentId: m.agent_id,
    role: roleOfRank(m.role),
    joinedAt: m.joined_at,
    visibleJoinedAt: m.visible_joined_at ?? undefined,
    bccBy: bccBy.get(m.agent_id) ?? [],
  }));
  return {
    id: row.id,
    participants: JSON.parse(row.participants) as string[],
    silentParticipants: JSON.parse(row.silent) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    messageCount: row.message_count,
    members,
  };
}
