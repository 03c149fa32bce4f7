/**
 * The mailbox's errors: one factory per reason, each with the Connect code the
 * typed service answers (the HTTP routes map the reason to a status).
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";

/** Bad input; the message starts with the field, e.g. `to[3]: agent id longer than 256 characters`. */
export function invalidArgument(message: string): AgentwireError {
  return new AgentwireError("invalid_argument", message, Code.InvalidArgument);
}

/** The thing named does not exist, or the caller may not know that it does. */
export function notFound(message: string): AgentwireError {
  return new AgentwireError("not_found", message, Code.NotFound);
}

/** The caller's proven identity does not allow the operation. */
export function forbidden(message: string): AgentwireError {
  return new AgentwireError("forbidden", message, Code.PermissionDenied);
}

/** The input is over a configured size or count limit; nothing was stored. */
export function tooLarge(message: string): AgentwireError {
  return new AgentwireError("too_large", message, Code.ResourceExhausted);
}

/** The store cannot take the operation now (closed, busy, failing); nothing was changed. */
export function unavailable(message: string, cause?: unknown): AgentwireError {
  return new AgentwireError("unavailable", message, Code.Unavailable, cause);
}

/** A needed optional package is not installed. */
export function missingPackage(pkg: string, what: string, cause?: unknown): AgentwireError {
  return new AgentwireError(
    "unsupported",
    `${what} needs the optional package ${pkg}, which is not installed: npm install ${pkg}`,
    Code.FailedPrecondition,
    cause,
  );
}
