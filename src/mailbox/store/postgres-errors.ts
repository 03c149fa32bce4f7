/**
 * What the PostgreSQL driver throws, sorted once: the database out of reach
 * (refused, dropped, shutting down, timed out, out of connections) becomes
 * `unavailable` (503 at the HTTP layer); a serialization failure or deadlock is
 * retried by the transaction runner; the mailbox's own errors pass unchanged.
 *
 * @module
 */
import { AgentwireError } from "../../client/errors.js";
import { unavailable } from "../core/mailbox-errors.js";

const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** SQLSTATE classes and codes that mean "the database cannot take this now". */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") || // connection exception
    code.startsWith("53") || // insufficient resources (too many connections, disk full)
    code.startsWith("57P") || // admin/crash shutdown, cannot connect now
    code === "57014" || // query_canceled: statement_timeout
    code === "55P03" || // lock_not_available
    code === "25006" // read_only_sql_transaction: a standby answered
  );
}

/** Driver messages of a lost or unobtainable connection (these errors carry no code). */
const lostConnection =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|not queryable/i;

/** Whether the error means the connection it came from is unusable (so it must not return to the pool). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof AgentwireError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (socketCodes.has(code)) return true;
    if (code.startsWith("08") || code.startsWith("57P")) return true;
  }
  return error instanceof Error && lostConnection.test(error.message);
}

/** Whether running the whole transaction again may succeed (serialization failure, deadlock). */
export function isRetryablePgError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40001" || code === "40P01";
}

/** Converts what the driver throws: store trouble becomes `unavailable`; everything else passes. */
export function convertPgError(error: unknown, during?: "commit"): unknown {
  if (error instanceof AgentwireError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  const known =
    isConnectionError(error) ||
    (typeof code === "string" && (isUnavailableSqlState(code) || isRetryablePgError(error)));
  if (!known) return error;
  if (during === "commit")
    return unavailable(
      `the connection to the mailbox database was lost while committing; the operation may or may not be stored (${text})`,
      error,
    );
  return unavailable(`the mailbox database cannot take the operation now (${text})`, error);
}
