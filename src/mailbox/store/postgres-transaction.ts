/**
 * The PostgreSQL store's transaction runner: a pooled client per transaction,
 * BEGIN (a REPEATABLE READ READ ONLY snapshot for reads), COMMIT, ROLLBACK on
 * failure, the whole transaction again after a serialization failure or a
 * deadlock, a connection that broke dropped from the pool, and errors
 * converted once (a connection lost while committing says so).
 *
 * @module
 */
import type Pg from "pg";
import { unavailable } from "../core/mailbox-errors.js";
import { convertPgError, isConnectionError, isRetryablePgError } from "./postgres-errors.js";
import type { Queryable } from "./postgres-rows.js";

/** What a transaction runs on: its client, quoting for glued statements, and the mark before the statement that commits. */
export interface PgSession extends Queryable {
  /** Quotes a value as an SQL literal (the glued statements travel as simple queries). */
  escapeLiteral(value: string): string;
  /** Called just before the statement that carries COMMIT. */
  committing(): void;
}

/** How a transaction begins: a write, a read snapshot, or one that sends BEGIN and COMMIT itself. */
export type TransactionMode = "write" | "read" | "self";

/** How many times a transaction that hit a serialization failure or a deadlock is run. */
const maxAttempts = 5;

/**
 * Runs `fn` as one transaction (a snapshot for reads), again after a
 * serialization failure or deadlock. In `self` mode `fn` sends BEGIN and
 * COMMIT itself, glued to its first and last statements (the send: two round
 * trips), and calls `committing()` before the last.
 */
export async function runTransaction<T>(
  pool: Pg.Pool,
  isClosed: () => boolean,
  mode: TransactionMode,
  fn: (q: PgSession) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (isClosed()) throw unavailable("the mailbox store is closed");
    let client: Pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw convertPgError(error);
    }
    let broken: unknown;
    let committing = false;
    // Checked-out clients have no pool listener: a connection lost between two queries emits here.
    const onError = (e: unknown) => {
      broken ??= e;
    };
    client.on("error", onError);
    const c = client;
    const session: PgSession = {
      query: c.query.bind(c) as PgSession["query"],
      escapeLiteral: (v) => c.escapeLiteral(v),
      committing: () => {
        committing = true;
      },
    };
    try {
      if (mode !== "self")
        await client.query(
          mode === "read" ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
        );
      const out = await fn(session);
      if (mode !== "self") {
        committing = true;
        await client.query("COMMIT");
      }
      return out;
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      else await client.query("ROLLBACK").catch((e: unknown) => (broken = e));
      // A statement that failed ran no COMMIT after it: only a lost connection leaves the outcome open.
      if (!broken && isRetryablePgError(error) && attempt < maxAttempts) continue;
      throw convertPgError(error, committing && broken ? "commit" : undefined);
    } finally {
      client.off("error", onError);
      client.release(broken instanceof Error ? broken : broken ? true : undefined);
    }
  }
}
