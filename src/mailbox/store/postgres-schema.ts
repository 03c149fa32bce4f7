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
 * The two halves of a send, as functions so that a send is two round trips
 * (`BEGIN; resolve` and `write; COMMIT`) whatever it touches; the write is
 * called with quoted literals, so that it can travel with its COMMIT in one
 * simple query (`mailbox_write_send_json`, the same with its arguments as one
 * jsonb, is what earlier releases call: it stays for them, though parsing the
 * JSON cost about as much as the writes). In READ COMMITTED each
 * statement inside a function takes a fresh snapshot, so the lookup after the
 * advisory lock sees what the lock's previous holder committed.
 *
 * `mailbox_resolve_thread` locks the thread of a send: an explicit one (no row
 * answered when it does not exist), or the one of the participant set under an
 * advisory lock on the set's key (checked again once locked, since a send into
 * it may have moved it to another set meanwhile), or a new one.
 *
 * `mailbox_write_send` writes the agents (sorted), the message, the thread's
 * new state, the memberships and bcc links, queues the NOTIFY payloads
 * (delivered on commit), then locks the recipients' counter rows in sorted
 * order (no deadlock between sends with overlapping recipients), increments
 * them, inserts the deliveries and answers each recipient's sequence.
 */
const sendFunctions = `
CREATE FUNCTION mailbox_resolve_thread(p_thread_id text, p_key text, p_new_id text, p_ts bigint, p_from text)
RETURNS TABLE (id text, created boolean, participants text[], silent text[], message_count integer, sender_member boolean)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  t mailbox_threads%ROWTYPE;
  found_id text;
  is_new boolean := false;
BEGIN
  IF p_thread_id IS NOT NULL THEN
    SELECT * INTO t FROM mailbox_threads th WHERE th.id = p_thread_id FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
  ELSE
    PERFORM pg_advisory_xact_lock(1835103336, hashtext(p_key));
    LOOP
      found_id := NULL;
      SELECT th.id INTO found_id FROM mailbox_threads th
        WHERE th.current_key = p_key OR th.creation_key = p_key
        ORDER BY (th.current_key = p_key) DESC, th.last_order DESC LIMIT 1;
      EXIT WHEN found_id IS NULL;
      SELECT * INTO t FROM mailbox_threads th WHERE th.id = found_id FOR UPDATE;
      EXIT WHEN FOUND AND (t.current_key = p_key OR t.creation_key = p_key);
    END LOOP;
    IF found_id IS NULL THEN
      INSERT INTO mailbox_threads AS th (id, participants, silent, current_key, creation_key, created_at, updated_at)
        VALUES (p_new_id, '{}', '{}', p_key, p_key, p_ts, p_ts) RETURNING th.* INTO t;
      is_new := true;
    END IF;
  END IF;
  RETURN QUERY SELECT t.id, is_new, t.participants, t.silent, t.message_count,
    EXISTS (SELECT 1 FROM mailbox_members m WHERE m.agent_id = p_from AND m.thread_id = t.id);
END
$fn$;

CREATE FUNCTION mailbox_write_send(
  p_thread_id text, p_n integer, p_message_id text, p_from text,
  p_to text[], p_cc text[], p_bcc text[], p_reply_to text, p_payload text, p_snapshot text, p_ts bigint,
  p_participants text[], p_silent text[], p_current_key text,
  p_agents text[], p_members text[], p_roles smallint[], p_bcc_links text[],
  p_recipients text[], p_channel text, p_notify text[])
RETURNS TABLE (agent_id text, seq bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  INSERT INTO mailbox_agents (id, created_at)
    SELECT a, p_ts FROM unnest(p_agents) AS a ORDER BY a
    ON CONFLICT (id) DO NOTHING;
  INSERT INTO mailbox_messages (thread_id, n, id, from_agent, to_agents, cc_agents, bcc_agents,
      reply_to, payload, snapshot, timestamp)
    VALUES (p_thread_id, p_n, p_message_id, p_from, p_to, p_cc, p_bcc,
      p_reply_to, p_payload, p_snapshot, p_ts);
  UPDATE mailbox_threads th SET participants = p_participants, silent = p_silent,
      current_key = p_current_key, updated_at = p_ts, message_count = p_n,
      last_order = nextval('mailbox_thread_order')
    WHERE th.id = p_thread_id;
  INSERT INTO mailbox_members AS mm (agent_id, thread_id, role, joined_at, visible_joined_at)
    SELECT v.a, p_thread_id, v.r, p_ts, CASE WHEN v.r = 1 THEN NULL ELSE p_ts END
    FROM unnest(p_members, p_roles) WITH ORDINALITY AS v(a, r, o) ORDER BY v.o
    ON CONFLICT (agent_id, thread_id) DO UPDATE SET
      role = greatest(mm.role, excluded.role),
      visible_joined_at = coalesce(mm.visible_joined_at, excluded.visible_joined_at);
  INSERT INTO mailbox_bcc (thread_id, agent_id, sender)
    SELECT p_thread_id, b.a, p_from FROM unnest(p_bcc_links) WITH ORDINALITY AS b(a, o) ORDER BY b.o
    ON CONFLICT DO NOTHING;
  PERFORM pg_notify(p_channel, x) FROM unnest(p_notify) AS x;
  RETURN QUERY
    WITH locked AS MATERIALIZED (
      SELECT ag.id FROM mailbox_agents ag WHERE ag.id = ANY (p_recipients) ORDER BY ag.id FOR UPDATE
    ), counted AS (
      UPDATE mailbox_agents ag SET last_seq = ag.last_seq + 1
      FROM locked WHERE ag.id = locked.id RETURNING ag.id AS rid, ag.last_seq AS rseq
    ), deliveries AS (
      INSERT INTO mailbox_deliveries (agent_id, seq, thread_id, n)
      SELECT c.rid, c.rseq, p_thread_id, p_n FROM counted c
    ), delivered AS (
      UPDATE mailbox_members mm SET last_seq = c.rseq, unread = mm.unread + 1
      FROM counted c WHERE mm.agent_id = c.rid AND mm.thread_id = p_thread_id
    )
    SELECT c.rid, c.rseq FROM counted c;
END
$fn$;

CREATE FUNCTION mailbox_texts(j jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT coalesce(array_agg(e.x ORDER BY e.o), '{}')
  FROM jsonb_array_elements_text(j) WITH ORDINALITY AS e(x, o)
$fn$;

CREATE FUNCTION mailbox_write_send_json(p jsonb)
RETURNS TABLE (agent_id text, seq bigint)
LANGUAGE sql AS $fn$
  SELECT * FROM mailbox_write_send(
    p->>'threadId', (p->>'n')::integer, p->>'messageId', p->>'from',
    mailbox_texts(p->'to'), mailbox_texts(p->'cc'), mailbox_texts(p->'bcc'),
    p->>'replyTo', p->>'payload', p->>'snapshot', (p->>'ts')::bigint,
    mailbox_texts(p->'participants'), mailbox_texts(p->'silent'), p->>'currentKey',
    mailbox_texts(p->'agents'), mailbox_texts(p->'members'), mailbox_texts(p->'roles')::smallint[],
    mailbox_texts(p->'bccLinks'), mailbox_texts(p->'recipients'), p->>'channel',
    mailbox_texts(p->'notify'))
$fn$;
`;

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
${sendFunctions}`;

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
