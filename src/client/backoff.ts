import { abortedError } from "./errors.js";

/** Exponential backoff settings, in milliseconds. */
export interface BackoffOptions {
  /** The upper bound of the first delay; later bounds double. */
  initialDelayMs: number;
  /** The largest bound any delay may have. */
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): exponential backoff with
 * full jitter, a uniformly random delay in [0, min(max, initial * 2^(attempt-1))),
 * so many agents restarted together do not reconnect in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const bound = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.floor(random() * bound);
}

/**
 * Resolves after `ms`, or rejects with an AgentwireError as soon as `signal`
 * aborts; leaves no timer or listener behind either way.
 */
export function delay(ms: number, signal?: AbortSignal, what = "delay"): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(what, signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(what, signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
