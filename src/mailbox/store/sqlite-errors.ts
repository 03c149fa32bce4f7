/**
 * What SQLite throws, as the mailbox's errors: a busy, full, read-only or
 * failing database is `unavailable` (nothing was changed); the mailbox's own
 * errors pass unchanged; anything else is left for the boundary (a 500).
 *
 * @module
 */
import { AgentwireError } from "../../client/errors.js";
import { unavailable } from "../core/mailbox-errors.js";

const unavailableCodes = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL)/;

/** Converts what SQLite throws: store trouble becomes `unavailable`; our own errors pass. */
export function convertSqliteError(error: unknown): unknown {
  if (error instanceof AgentwireError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && unavailableCodes.test(code))
    return unavailable(`the mailbox store cannot take the operation now (${code})`, error);
  if (error instanceof TypeError && /database connection is not open/.test(error.message))
    return unavailable("the mailbox store is closed", error);
  return error;
}
