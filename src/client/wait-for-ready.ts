import { Code, ConnectError } from "@connectrpc/connect";
import type { HealthCheckResponse } from "../schema/index.js";
import { backoffDelayMs, delay } from "./backoff.js";
import { AgentwireError, abortedError } from "./errors.js";
import { isRetryable } from "./retry.js";

/** The codes after which `waitForReady` polls again: a sidecar not up yet, or too slow to answer. */
const notReadyCodes: readonly Code[] = [Code.Unavailable, Code.DeadlineExceeded, Code.Unknown];

/** Options of `waitForReady`. */
export interface WaitForReadyOptions {
  /** Aborts the wait; the promise then rejects with reason "aborted". */
  signal?: AbortSignal;
  /** Gives up after this long, in milliseconds; waits forever when unset. */
  timeoutMs?: number;
  /** The upper bound of the first pause between polls, in milliseconds (default 100). */
  initialDelayMs?: number;
  /** The largest pause between polls, in milliseconds (default 2000). */
  maxDelayMs?: number;
  /** Deadline of each HealthCheck call, in milliseconds (default 1000). */
  attemptTimeoutMs?: number;
}

/**
 * Polls `check` with backoff until it answers, so an agent started before its
 * sidecar just waits. Resolves with the first answer; rejects when the signal
 * aborts, the timeout passes (reason "timeout"), or the sidecar answers with an
 * error that waiting will not fix (e.g. UNIMPLEMENTED).
 */
export async function waitForReady(
  check: (options: { signal: AbortSignal; timeoutMs: number }) => Promise<HealthCheckResponse>,
  options: WaitForReadyOptions = {},
): Promise<HealthCheckResponse> {
  const initialDelayMs = options.initialDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 1000;
  const signals = [
    options.signal,
    options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  ];
  const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw waitFailed(signal, lastError);
    try {
      return await check({ signal, timeoutMs: attemptTimeoutMs });
    } catch (e) {
      if (signal.aborted) throw waitFailed(signal, lastError ?? e);
      if (!isRetryable(e, { retryableCodes: notReadyCodes, callerAborted: signal.aborted })) {
        throw AgentwireError.convert(e);
      }
      lastError = e;
    }
    try {
      await delay(backoffDelayMs(attempt, { initialDelayMs, maxDelayMs }) + 1, signal);
    } catch {
      throw waitFailed(signal, lastError);
    }
  }
}

function waitFailed(signal: AbortSignal, lastError: unknown): AgentwireError {
  const error = abortedError("waitForReady", signal);
  if (lastError !== undefined) {
    return new AgentwireError(
      error.reason,
      `${error.rawMessage}; last error: ${ConnectError.from(lastError).rawMessage}`,
      error.code,
      lastError,
    );
  }
  return error;
}
