/**
 * The shared mailbox store: PostgreSQL through `pg` (an optional peer
 * dependency loaded only when this store is created), for several mailbox
 * servers behind one load balancer.
 *
 * - Start: connects (a clear `unavailable` naming the database when it cannot),
 *   applies the versioned migrations under an advisory lock, starts the push
 *   listener.
 * - Writes: one READ COMMITTED transaction each; sequences come from the
 *   recipients' counter rows locked in sorted order (see `postgres-append.ts`);
 *   a serialization failure or deadlock runs the whole transaction again.
 * - Reads that answer several things: one REPEATABLE READ READ ONLY snapshot.
 * - Push: NOTIFY in the send's transaction (PostgreSQL delivers it only on
 *   commit); the listener feeds `onDeliveries` and catches up after a reconnect.
 * - Outage: queries fail fast with `unavailable` (a transaction cut off is
 *   rolled back by PostgreSQL: nothing half-written); `health()` reports it; the
 *   pool reconnects by itself when the database is back.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type Pg from "pg";
import { AgentwireError } from "../../client/errors.js";
import { unavailable } from "../core/mailbox-errors.js";
import type { DeliveryRecord, MailboxStore } from "./mailbox-store.js";
import { importOptional } from "./optional-package.js";
import { appendInPgTransaction } from "./postgres-append.js";
import { convertPgError } from "./postgres-errors.js";
import { type PgPushListener, startPgPushListener } from "./postgres-listener.js";
import {
  type PostgresMailboxStoreOptions,
  redactUrl,
  resolvePostgresMailboxStoreOptions,
} from "./postgres-options.js";
import { readMailboxPage, readThreadContexts, threadRows, withMessages } from "./postgres-reads.js";
import {
  messageColumns,
  messageColumnsM,
  type PgMessageRow,
  toStoredMessage,
  toThreadRecords,
} from "./postgres-rows.js";
import { migratePostgres, postgresSchemaVersion } from "./postgres-schema.js";
import { type PgSession, runTransaction, type TransactionMode } from "./postgres-transaction.js";

export type { PostgresMailboxStoreOptions } from "./postgres-options.js";

/** The PostgreSQL store, with what it adds to {@link MailboxStore} for operators and tests. */
export interface PostgresMailboxStore extends MailboxStore {
  /** The push listener's state and its backend process id. */
  listenerStatus(): { state: string; backendPid: number | undefined; reconnects: number };
}

type PgModule = typeof Pg;

/** int8 as bigint (sequences), everything else as the driver parses it. */
function typeParsers(pg: PgModule): Pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) =>
      oid === 20 && format !== "binary"
        ? (v: string) => BigInt(v)
        : pg.types.getTypeParser(oid, format as "text")) as Pg.CustomTypesConfig["getTypeParser"],
  };
}

/** Connects to the database, migrates it and starts the push listener. */
export async function createPostgresMailboxStore(
  options: PostgresMailboxStoreOptions,
): Promise<PostgresMailboxStore> {
  const opts = resolvePostgresMailboxStoreOptions(options);
  const pg = await importOptional<PgModule>("pg", "The PostgreSQL mailbox store");
  const where = redactUrl(opts.url);
  const clientConfig: Pg.ClientConfig = {
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.statementTimeoutMs === 0 ? false : opts.statementTimeoutMs,
    // A transaction left open by a stalled process must not hold recipients' locks forever.
    idle_in_transaction_session_timeout: Math.max(opts.statementTimeoutMs, 60_000),
    application_name: opts.applicationName,
    keepAlive: true,
    types: typeParsers(pg),
  };
  const pool = new pg.Pool({
    ...clientConfig,
    max: opts.maxConnections,
    idleTimeoutMillis: opts.idleTimeoutMs,
  });
  // An idle connection that the server closes emits here; the pool drops it and opens another later.
  pool.on("error", () => {});

  let first: Pg.PoolClient;
  try {
    first = await pool.connect();
    first.on("error", () => {});
  } catch (error) {
    await pool.end().catch(() => {});
    throw unavailable(
      `cannot reach the mailbox database ${where}: ${(error as Error).message}`,
      error,
    );
  }
  try {
    const m = await migratePostgres(first);
    if (m.version > postgresSchemaVersion)
      throw unavailable(
        `the mailbox database ${where} is at schema version ${m.version}, newer than this agentwire (${postgresSchemaVersion})`,
      );
    first.release();
  } catch (error) {
    first.release(true);
    await pool.end().catch(() => {});
    throw error instanceof AgentwireError
      ? error
      : unavailable(`cannot migrate the mailbox database ${where}: ${String(error)}`, error);
  }

  const source = randomUUID();
  let listener: PgPushListener;
  try {
    listener = await startPgPushListener({
      newClient: () => new pg.Client(clientConfig),
      channel: opts.channel,
      source,
      retryMaxMs: opts.listenerRetryMaxMs,
      checkMs: opts.listenerCheckMs,
    });
  } catch (error) {
    await pool.end().catch(() => {});
    throw unavailable(`cannot listen on the mailbox database ${where}: ${String(error)}`, error);
  }
  return postgresStore(pool, listener, { channel: opts.channel, source });
}

function postgresStore(
  pool: Pg.Pool,
  listener: PgPushListener,
  notify: { channel: string; source: string },
): PostgresMailboxStore {
  let closed = false;
  const closedError = () => unavailable("the mailbox store is closed");

  /** A single statement outside a transaction (`name`: prepared once per connection, for the hot ones). */
  const query = async <R extends Pg.QueryResultRow>(
    text: string,
    values: unknown[],
    name?: string,
  ): Promise<R[]> => {
    if (closed) throw closedError();
    try {
      return (await pool.query<R>(name ? { name, text, values } : { text, values })).rows;
    } catch (error) {
      throw convertPgError(error);
    }
  };

  const tx = <T>(mode: TransactionMode, fn: (q: PgSession) => Promise<T>): Promise<T> =>
    runTransaction(pool, () => closed, mode, fn);

  const deliveryRows = (rows: (PgMessageRow & { seq: bigint })[]): DeliveryRecord[] =>
    rows.map((r) => ({ seq: r.seq, message: toStoredMessage(r) }));

  const limitOf = (limit: number) => (limit > 0 ? limit : null);

  return {
    backend: "postgres",
    registerAgent: async (agentId) =>
      (
        await query(
          "INSERT INTO mailbox_agents (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id",
          [agentId, Date.now()],
        )
      ).length > 0,
    appendMessage: (input) => tx("self", (q) => appendInPgTransaction(q, input, notify)),
    markRead: (agentId, threadId, upToSeq) =>
      tx("write", async (q) => {
        const c = (
          await q.query<{ read_seq: bigint; last_seq: bigint }>(
            "SELECT read_seq, last_seq FROM mailbox_members WHERE agent_id = $1 AND thread_id = $2 FOR UPDATE",
            [agentId, threadId],
          )
        ).rows[0];
        if (!c) return 0n;
        let target = c.last_seq;
        if (upToSeq !== undefined && upToSeq < c.last_seq) target = upToSeq;
        const next = target > c.read_seq ? target : c.read_seq;
        const left =
          next >= c.last_seq
            ? 0
            : ((
                await q.query<{ c: number }>(
                  "SELECT count(*)::int AS c FROM mailbox_deliveries WHERE agent_id = $1 AND thread_id = $2 AND seq > $3",
                  [agentId, threadId, next.toString()],
                )
              ).rows[0]?.c ?? 0);
        await q.query(
          "UPDATE mailbox_members SET read_seq = $1, unread = $2 WHERE agent_id = $3 AND thread_id = $4",
          [next.toString(), left, agentId, threadId],
        );
        return next;
      }),
    unreadDeliveries: async (agentId, afterSeq, limit) =>
      deliveryRows(
        await query(
          `SELECT d.seq, ${messageColumnsM} FROM mailbox_members p
           JOIN mailbox_deliveries d
             ON d.agent_id = p.agent_id AND d.thread_id = p.thread_id AND d.seq > p.read_seq
           JOIN mailbox_messages m ON m.thread_id = d.thread_id AND m.n = d.n
           WHERE p.agent_id = $1 AND p.unread > 0 AND d.seq > $2
           ORDER BY d.seq LIMIT $3`,
          [agentId, afterSeq.toString(), limitOf(limit)],
          "mailbox_unread",
        ),
      ),
    unreadVersion: async (agentId) =>
      (
        await query<{ v: string }>(
          `SELECT coalesce(json_agg(json_build_array(p.thread_id, p.read_seq, p.last_seq, t.message_count)
             ORDER BY p.thread_id), '[]')::text AS v
           FROM mailbox_members p JOIN mailbox_threads t ON t.id = p.thread_id
           WHERE p.agent_id = $1 AND p.unread > 0`,
          [agentId],
          "mailbox_unread_version",
        )
      )[0]?.v ?? "[]",
    deliveriesAfter: async (agentId, afterSeq, limit) =>
      deliveryRows(
        await query(
          `SELECT d.seq, ${messageColumnsM} FROM mailbox_deliveries d
           JOIN mailbox_messages m ON m.thread_id = d.thread_id AND m.n = d.n
           WHERE d.agent_id = $1 AND d.seq > $2 ORDER BY d.seq LIMIT $3`,
          [agentId, afterSeq.toString(), limitOf(limit)],
          "mailbox_deliveries_after",
        ),
      ),
    latestSeq: async (agentId) =>
      (
        await query<{ last_seq: bigint }>(
          "SELECT last_seq FROM mailbox_agents WHERE id = $1",
          [agentId],
          "mailbox_latest_seq",
        )
      )[0]?.last_seq ?? 0n,
    thread: (threadId) =>
      tx("read", async (q) => (await toThreadRecords(q, await threadRows(q, [threadId])))[0]),
    threadWithMessages: (threadId) =>
      tx("read", async (q) => (await withMessages(q, await threadRows(q, [threadId])))[0]),
    threadContexts: (threadIds, recent, olderLimit) =>
      tx("self", (q) => readThreadContexts(q, threadIds, recent, olderLimit)),
    messageCounts: async (threadIds) =>
      new Map(
        (
          await query<{ id: string; message_count: number }>(
            "SELECT id, message_count FROM mailbox_threads WHERE id = ANY($1::text[])",
            [[...threadIds]],
            "mailbox_message_counts",
          )
        ).map((r) => [r.id, r.message_count]),
      ),
    threadMessages: async (threadId, fromIndex, toIndex) =>
      (
        await query<PgMessageRow>(
          `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = $1 AND n >= $2 AND n <= $3 ORDER BY n`,
          [threadId, fromIndex, toIndex],
        )
      ).map(toStoredMessage),
    saveSummary: async (threadId, summary) => {
      await query(
        `INSERT INTO mailbox_summaries (thread_id, covers_count, summary) VALUES ($1, $2, $3)
         ON CONFLICT (thread_id) DO UPDATE SET covers_count = excluded.covers_count,
           summary = excluded.summary WHERE excluded.covers_count > mailbox_summaries.covers_count`,
        [threadId, summary.coversCount, JSON.stringify(summary.summary)],
      );
    },
    mailboxPage: (agentId, limit, offset) =>
      tx("read", (q) => readMailboxPage(q, agentId, limit, offset)),
    setTokenHash: (agentId, tokenHash) =>
      tx("write", async (q) => {
        const now = Date.now();
        await q.query(
          "INSERT INTO mailbox_agents (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
          [agentId, now],
        );
        await q.query("DELETE FROM mailbox_tokens WHERE agent_id = $1", [agentId]);
        await q.query(
          "INSERT INTO mailbox_tokens (token_hash, agent_id, created_at) VALUES ($1, $2, $3)",
          [tokenHash, agentId, now],
        );
      }),
    hasToken: async (agentId) =>
      (await query("SELECT 1 AS x FROM mailbox_tokens WHERE agent_id = $1", [agentId])).length > 0,
    agentForTokenHash: async (tokenHash) =>
      (
        await query<{ agent_id: string }>(
          "SELECT agent_id FROM mailbox_tokens WHERE token_hash = $1",
          [tokenHash],
        )
      )[0]?.agent_id,
    onDeliveries: (l) => listener.subscribe(l),
    health: async () => {
      if (closed) return { ok: false, detail: "closed" };
      try {
        await pool.query("SELECT 1");
      } catch (error) {
        return { ok: false, detail: (convertPgError(error) as Error).message };
      }
      if (listener.state !== "listening")
        return {
          ok: true,
          detail: `push listener ${listener.state}${listener.lastError ? ` (${listener.lastError})` : ""}`,
        };
      return { ok: true };
    },
    listenerStatus: () => ({
      state: listener.state,
      backendPid: listener.backendPid,
      reconnects: listener.reconnects,
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      await listener.close();
      await pool.end().catch(() => {});
    },
  };
}
