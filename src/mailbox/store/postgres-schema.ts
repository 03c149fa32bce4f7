/**
 * The PostgreSQL mailbox schema as versioned migrations, applied at start in
 * one transaction under a transaction-scoped advisory lock: a second server
 * starting at the same moment waits for the first, then finds the version
 * reached and changes nothing.
 *
 * @module
 */
import type Pg from "pg";

/** One schema step: its version and the statements that reach it. */
interface Migration {
  version: number;
  sql: string;
}

/** The advisory lock key every agentwire mailbox server migrates under ("agentwir" as 8 bytes). */
export const migrationLockKey = 0x6167656e74776972n;

/**
 * Version 1: the tables of the SQLite schema, in PostgreSQL types. Recipient
 * lists and participant sets are `text[]`; payloads and snapshots stay `text`
 * so the JSON a sender wrote comes back byte for byte (jsonb would reorder
 * keys). `mailbox_agents.last_seq` is the per-recipient counter a send
 * increments under the row lock (never a sequence object: those are not
 * commit-ordered). `mailbox_threads.last_order` is recency only, so it may come
 * from a sequence. `mailbox_members.ord` keeps members in insertion order.
 */
const v1 = `
CREATE TABLE mailbox_agents (
  id text PRIMARY KEY,
  created_at bigint NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE SEQUENCE mailbox_thread_order;
CREATE TABLE mailbox_threads (
  id text PRIMARY KEY,
  participants text[] NOT NULL,
  silent text[] NOT NULL,
  current_key text NOT NULL,
  creation_key text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  message_count integer NOT NULL DEFAULT 0,
  last_order bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mailbox_threads_creation ON mailbox_threads (creation_key);
CREATE INDEX mailbox_threads_current ON mailbox_threads (current_key, last_order);

CREATE TABLE mailbox_messages (
  thread_id text NOT NULL,
  n integer NOT NULL,
  id text NOT NULL,
  from_agent text NOT NULL,
  to_agents text[] NOT NULL,
  cc_agents text[] NOT NULL,
  bcc_agents text[] NOT NULL,
  reply_to text,
  payload text NOT NULL,
  snapshot text NOT NULL,
  timestamp bigint NOT NULL,
  PRIMARY KEY (thread_id, n)
);
CREATE UNIQUE INDEX mailbox_messages_id ON mailbox_messages (id);

CREATE TABLE mailbox_members (
  agent_id text NOT NULL,
  thread_id text NOT NULL,
  role smallint NOT NULL,
  joined_at bigint NOT NULL,
  visible_joined_at bigint,
  read_seq bigint NOT NULL DEFAULT 0,
  last_seq bigint NOT NULL DEFAULT 0,
  unread integer NOT NULL DEFAULT 0,
  ord bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (agent_id, thread_id)
);
CREATE INDEX mailbox_members_thread ON mailbox_members (thread_id, joined_at, ord);
CREATE INDEX mailbox_members_unread ON mailbox_members (agent_id) WHERE unread > 0;

CREATE TABLE mailbox_bcc (
  thread_id text NOT NULL,
  agent_id text NOT NULL,
  sender text NOT NULL,
  ord bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (thread_id, agent_id, sender)
);

CREATE TABLE mailbox_deliveries (
  agent_id text NOT NULL,
  seq bigint NOT NULL,
  thread_id text NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (agent_id, seq)
);
CREATE INDEX mailbox_deliveries_thread ON mailbox_deliveries (agent_id, thread_id, seq);

CREATE TABLE mailbox_summaries (
  thread_id text PRIMARY KEY,
  covers_count integer NOT NULL,
  summary text NOT NULL
);

CREATE TABLE mailbox_tokens (
  token_hash text PRIMARY KEY,
  agent_id text NOT NULL UNIQUE,
  created_at bigint NOT NULL
);
`;

/** Every migration, in version order. */
const migrations: readonly Migration[] = [{ version: 1, sql: v1 }];

/** The schema version this code writes. */
export const postgresSchemaVersion = migrations.length;

/** What a migration run found and did. */
export interface PostgresMigrationResult {
  /** The versions this run applied (empty when the database was current). */
  applied: number[];
  /** The version the database is at afterwards. */
  version: number;
}

/**
 * Brings the database to the current schema in one transaction under
 * `pg_advisory_xact_lock`, so that servers starting together apply each step
 * once; safe to run any number of times. A database at a newer version than
 * this code is left alone (the caller refuses to serve it).
 */
export async function migratePostgres(client: Pg.ClientBase): Promise<PostgresMigrationResult> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey.toString()]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS mailbox_schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
    );
    const row = await client.query<{ v: number | null }>(
      "SELECT max(version) AS v FROM mailbox_schema_version",
    );
    let version = row.rows[0]?.v ?? 0;
    const applied: number[] = [];
    for (const m of migrations) {
      if (version >= m.version) continue;
      await client.query(m.sql);
      await client.query(
        "INSERT INTO mailbox_schema_version (version, applied_at) VALUES ($1, $2)",
        [m.version, Date.now()],
      );
      applied.push(m.version);
      version = m.version;
    }
    await client.query("COMMIT");
    return { applied, version };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
