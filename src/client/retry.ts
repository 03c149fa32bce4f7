import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError, type AgentwireErrorReason } from "./errors.js";

/**
 * The gRPC codes after which a conversation stream is re-opened by default:
 * the ways a sidecar restart, a lost connection or an overloaded sidecar show.
 * ABORTED is here because connect-node reports a reset connection (ECONNRESET,
 * what a crashed sidecar looks like) with that code.
 */
export const defaultRetryableCodes: readonly Code[] = [
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.ResourceExhausted,
  Code.Unknown,
  Code.Canceled,
  Code.Aborted,
];

/** What `isRetryable` needs to know besides the error itself. */
export interface RetryContext {
  /** The codes that may be retried. */
  retryableCodes: readonly Code[];
  /** True when the caller's own signal (or close) caused the failure: never retried. */
  callerAborted: boolean;
}

/**
 * The reasons of failures that the other side or the connection caused, where
 * the code decides: a failed RPC, a malformed frame, and a server or store
 * that cannot take the operation now (`unavailable`: nothing was changed).
 * Every other reason is a refusal, agentwire's own or the caller's (aborted,
 * timeout, closed, buffer full, too large, ...), and is never retried.
 */
const transientReasons: ReadonlySet<AgentwireErrorReason> = new Set<AgentwireErrorReason>([
  "rpc_failed",
  "malformed_frame",
  "unavailable",
]);

/**
 * Decides whether a failed stream or call may be retried. This is the only
 * place that decision is made: a cancellation or deadline the caller asked for
 * is never retried; agentwire's own refusals (buffer full, frame too large,
 * closed) are never retried; otherwise the gRPC code decides.
 */
export function isRetryable(error: unknown, context: RetryContext): boolean {
  if (context.callerAborted) return false;
  if (error instanceof AgentwireError && !transientReasons.has(error.reason)) return false;
  const code = error instanceof ConnectError ? error.code : ConnectError.from(error).code;
  return context.retryableCodes.includes(code);
}
