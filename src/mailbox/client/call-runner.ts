import { backoffDelayMs, delay } from "../../client/backoff.js";
import { abortedError, assertArgument } from "../../client/errors.js";
import { defaultRetryableCodes, isRetryable } from "../../client/retry.js";
import type { MailCallOptions } from "./mail-types.js";
import { mailboxError } from "./mailbox-errors.js";

/** What the call runner needs from the client's options. */
export interface CallRunnerOptions {
  /** The default deadline of a call, in milliseconds; 0 means none. */
  timeoutMs: number;
  /** Attempts of an idempotent call. */
  readAttempts: number;
  /** Backoff between attempts. */
  initialDelayMs: number;
  /** Backoff between attempts. */
  maxDelayMs: number;
}

/** How one call is run. */
export interface CallSpec {
  /** The method, for error messages ("thread"). */
  what: string;
  /** Whether running it twice does no harm: only then is a retryable failure retried. */
  idempotent: boolean;
}

/**
 * Runs one mailbox call under the caller's signal and one deadline that
 * covers every attempt: a retryable failure (decided by `isRetryable`, never
 * after the caller's abort or deadline) of an idempotent call is retried after
 * a full-jitter backoff; everything is converted to an AgentwireError.
 */
export async function runCall<T>(
  options: CallRunnerOptions,
  spec: CallSpec,
  call: MailCallOptions | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs = call?.timeoutMs ?? options.timeoutMs;
  assertArgument(
    typeof timeoutMs === "number" && timeoutMs >= 0,
    `${spec.what}: timeoutMs must be a number of at least 0, got ${String(timeoutMs)}`,
  );
  const signal = callSignal(call?.signal, timeoutMs);
  const attempts = spec.idempotent ? options.readAttempts : 1;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortedError(spec.what, signal);
    try {
      return await run(signal);
    } catch (e) {
      if (signal.aborted) throw abortedError(spec.what, signal);
      const error = mailboxError(spec.what, e);
      const retry =
        attempt < attempts &&
        isRetryable(error, {
          retryableCodes: defaultRetryableCodes,
          callerAborted: signal.aborted,
        });
      if (!retry) throw error;
      await delay(backoffDelayMs(attempt, options), signal, spec.what);
    }
  }
}

/** The caller's signal combined with the call's deadline (a TimeoutError reason: reason "timeout"). */
export function callSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const signals: AbortSignal[] = [];
  if (signal !== undefined) signals.push(signal);
  if (timeoutMs > 0 && Number.isFinite(timeoutMs)) signals.push(AbortSignal.timeout(timeoutMs));
  if (signals.length === 0) return new AbortController().signal;
  return signals.length === 1 ? (signals[0] as AbortSignal) : AbortSignal.any(signals);
}
