import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Why an agentwire operation failed, as a stable string that code can switch on
 * (the Connect `code` says how; the reason says what, in agentwire's terms).
 */
export type AgentwireErrorReason =
  /** The session or client was closed before or while the operation ran. */
  | "session_closed"
  /** The caller's AbortSignal aborted the operation. */
  | "aborted"
  /** The write queue is at its frame or byte limit; the frame was not queued. */
  | "buffer_full"
  /** A frame is larger than the protocol's frame limit; it was not sent. */
  | "frame_too_large"
  /** The session stopped reconnecting after its maximum number of attempts. */
  | "gave_up"
  /** The frame belongs to a turn that the sidecar failed when the stream broke. */
  | "turn_lost"
  /** The turn already ended (finished, failed or aborted); nothing was sent. */
  | "turn_ended"
  /** The sidecar sent bytes that are not a valid frame. */
  | "malformed_frame"
  /** An argument was invalid; the message names it. */
  | "invalid_argument"
  /** The platform cannot do what was asked (e.g. show a renderable). */
  | "unsupported"
  /** A deadline passed before the operation completed. */
  | "timeout"
  /** An RPC failed; `code` carries the gRPC status. */
  | "rpc_failed"
  /** The thing named (a thread, an agent) does not exist or is not visible to the caller. */
  | "not_found"
  /** The caller's proven identity does not allow the operation (e.g. acting as another agent). */
  | "forbidden"
  /** The caller presented no credential, or one the server does not know. */
  | "unauthenticated"
  /** The input is over a configured size or count limit; nothing was stored. */
  | "too_large"
  /** The server or its store cannot take the operation now; nothing was changed. */
  | "unavailable";

/**
 * The one error type agentwire throws: a ConnectError (so `code`, `metadata`
 * and `ConnectError.from` keep working) with a stable `reason`.
 */
export class AgentwireError extends ConnectError {
  /** What failed, in agentwire's terms. */
  readonly reason: AgentwireErrorReason;

  constructor(reason: AgentwireErrorReason, message: string, code: Code, cause?: unknown) {
    super(message, code, undefined, undefined, cause);
    // The name stays "ConnectError": ConnectError's own instanceof check relies
    // on it for subclasses, and ConnectError.from must return this error as is.
    this.reason = reason;
  }

  /**
   * Narrows `instanceof` to real AgentwireErrors (ConnectError's own check
   * accepts any ConnectError), also across copies of this module.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(AgentwireError, value)) return true;
    return (
      value instanceof ConnectError && typeof (value as { reason?: unknown }).reason === "string"
    );
  }

  /**
   * Converts anything thrown at a boundary into an AgentwireError; an existing
   * one is returned unchanged, a ConnectError keeps its code, message,
   * metadata and details.
   */
  static convert(error: unknown, reason: AgentwireErrorReason = "rpc_failed"): AgentwireError {
    if (error instanceof AgentwireError) return error;
    const ce = ConnectError.from(error);
    const out = new AgentwireError(reason, ce.rawMessage, ce.code, error);
    for (const [k, v] of ce.metadata) out.metadata.append(k, v);
    out.details = ce.details;
    return out;
  }
}

/** Creates the error of a write or call refused because the session is closed. */
export function sessionClosedError(what: string): AgentwireError {
  return new AgentwireError("session_closed", `${what}: the session is closed`, Code.Canceled);
}

/** Creates the error of an operation aborted by the caller's signal, keeping the signal's reason. */
export function abortedError(what: string, signal: AbortSignal): AgentwireError {
  const reason: unknown = signal.reason;
  const detail =
    reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
  const timedOut = reason instanceof Error && reason.name === "TimeoutError";
  return new AgentwireError(
    timedOut ? "timeout" : "aborted",
    `${what}: ${timedOut ? "timed out" : "aborted by the caller"}${detail ? ` (${detail})` : ""}`,
    timedOut ? Code.DeadlineExceeded : Code.Canceled,
    reason,
  );
}

/** Throws an AgentwireError naming the argument when `ok` is false. */
export function assertArgument(ok: boolean, message: string): asserts ok {
  if (!ok) throw new AgentwireError("invalid_argument", message, Code.InvalidArgument);
}
