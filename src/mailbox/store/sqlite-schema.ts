/**
 * The SQLite mailbox schema as versioned migrations. `schema_version` holds
 * the version reached; each migration runs in its own transaction and only
 * when the version is below it, so running them again changes nothing.
 *
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";

/** One schema step: its version and the statements that reach it. */
interface Migration {
  version: number;
  sql: string;
}

/**
 * Version 1. Roles are stored as ranks (to 3, cc 2, bcc 1) so the highest role
 * is a `max()`. Messages are a rowid table (rows are large: payload and
 * snapshot), indexed by (thread, position) for context and thread reads;
 * deliveries, small, are clustered by (recipient, sequence) for unread and
 * Watch and point at the message's rowid;
 * `mailbox_members` is both the membership (mailbox listing, participants) and
 * the read cursor with its unread counter, kept in the send's transaction.
 */
const v1 = `
CREATE TABLE mailbox_agents (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE mailbox_threads (
  id TEXT PRIMARY KEY,
  participants TEXT NOT NULL,
  silent TEXT NOT NULL,
  current_key TEXT NOT NULL,
  creation_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  last_order INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE UNIQUE INDEX mailbox_threads_creation ON mailbox_threads(creation_key);
CREATE INDEX mailbox_threads_current ON mailbox_threads(current_key, last_order);
CREATE INDEX mailbox_threads_order ON mailbox_threads(last_order);

CREATE TABLE mailbox_messages (
  rid INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  id TEXT NOT NULL,
  from_agent TEXT NOT NULL,
  to_json TEXT NOT NULL,
  cc_json TEXT,
  bcc_json TEXT,
  reply_to TEXT,
  payload TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  timestamp INTEGER NOT NULL
);
CREATE UNIQUE INDEX mailbox_messages_thread ON mailbox_messages(thread_id, n);
CREATE UNIQUE INDEX mailbox_messages_id ON mailbox_messages(id);

CREATE TABLE mailbox_members (
  agent_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  role INTEGER NOT NULL,
  joined_at INTEGER NOT NULL,
  visible_joined_at INTEGER,
  read_seq INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  unread INTEGER NOT NULL DEFAULT 0,
  UNIQUE (agent_id, thread_id)
);
CREATE INDEX mailbox_members_thread ON mailbox_members(thread_id, joined_at);
CREATE INDEX mailbox_members_unread ON mailbox_members(agent_id) WHERE unread > 0;

CREATE TABLE mailbox_bcc (
  thread_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  PRIMARY KEY (thread_id, agent_id, sender)
) WITHOUT ROWID;

CREATE TABLE mailbox_deliveries (
  agent_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  thread_id TEXT NOT NULL,
  rid INTEGER NOT NULL,
  PRIMARY KEY (agent_id, seq)
) WITHOUT ROWID;
CREATE INDEX mailbox_deliveries_thread ON mailbox_deliveries(agent_id, thread_id, seq);

CREATE TABLE mailbox_summaries (
  thread_id TEXT PRIMARY KEY,
  covers_count INTEGER NOT NULL,
  summary TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE mailbox_tokens (
  token_hash TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Every migration, in version order. */
const migrations: readonly Migration[] = [{ version: 1, sql: v1 }];

/** The schema version this code writes. */
export const sqliteSchemaVersion = migrations.length;

/**
 * Brings the database to the current schema; safe to run any number of times
 * and from several processes (each step is an immediate transaction that
 * re-reads the version). Returns the versions it applied.
 */
export function migrateSqlite(db: BetterSqlite3.Database): number[] {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const applied: number[] = [];
  for (const m of migrations) {
    const step = db.transaction(() => {
      const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as {
        v: number | null;
      };
      if ((row.v ?? 0) >= m.version) return false;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(m.version);
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  return applied;
}

/** The version the database is at (0 for an empty one). */
export function sqliteVersionOf(db: BetterSqlite3.Database): number {
  const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as {
    v: number | null;
  };
  return row.v ?? 0;
}
