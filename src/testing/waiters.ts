import { FakeSidecarError } from "./fake-errors.js";

/** Options of every wait of the testing kit. */
export interface WaitOptions {
  /** How long to wait before failing with reason "timeout", in milliseconds (default: the fake's `timeoutMs`). */
  timeoutMs?: number;
  /** Stops waiting; the promise rejects with reason "aborted". */
  signal?: AbortSignal;
}

/** What one wait looks for. */
export interface WaitSpec<T> {
  /** Returns the awaited value once it exists, undefined before; throwing fails the wait. */
  probe: () => T | undefined;
  /** What is awaited, for error messages ("an END or error frame of turn X"). */
  what: string;
  /** The wait's bound in milliseconds. */
  timeoutMs: number;
  /** Stops the wait early. */
  signal?: AbortSignal | undefined;
  /** Extra context appended to the timeout message (e.g. the frames seen so far). */
  detail?: () => string;
  /** Also re-runs the probe at this interval, in milliseconds, for state outside the fake (default: only on `check()`). */
  pollMs?: number;
}

interface Pending {
  check(): void;
  fail(error: Error): void;
}

/**
 * Promise-based waits on state that changes as frames arrive: each wait's
 * probe is re-run on every `check()`, so a test awaits a condition rather
 * than sleeping, and every wait has a bound and a message naming what it
 * waited for.
 */
export class Waiters {
  private readonly pending = new Set<Pending>();

  /** The number of waits in progress. */
  get size(): number {
    return this.pending.size;
  }

  /** Waits until `spec.probe` returns a value. */
  wait<T>(spec: WaitSpec<T>): Promise<T> {
    const first = tryProbe(spec.probe);
    if (first.error !== undefined) return Promise.reject(first.error);
    if (first.value !== undefined) return Promise.resolve(first.value);
    const signal = spec.signal;
    if (signal?.aborted) return Promise.reject(abortedWait(spec.what, signal));
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(entry);
      };
      const entry: Pending = {
        check: () => {
          const r = tryProbe(spec.probe);
          if (r.error !== undefined) {
            done();
            reject(r.error);
          } else if (r.value !== undefined) {
            done();
            resolve(r.value);
          }
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = () => entry.fail(abortedWait(spec.what, signal as AbortSignal));
      const timer = setTimeout(() => {
        const detail = spec.detail?.();
        entry.fail(
          new FakeSidecarError(
            "timeout",
            `timed out after ${spec.timeoutMs} ms waiting for ${spec.what}${detail ? `; ${detail}` : ""}`,
          ),
        );
      }, spec.timeoutMs);
      const poll =
        spec.pollMs === undefined ? undefined : setInterval(() => entry.check(), spec.pollMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.add(entry);
    });
  }

  /** Re-runs every wait's probe (call after any change they may be waiting for). */
  check(): void {
    for (const p of [...this.pending]) p.check();
  }

  /** Fails every wait with `error`. */
  failAll(error: Error): void {
    for (const p of [...this.pending]) p.fail(error);
  }
}

function tryProbe<T>(probe: () => T | undefined): { value?: T; error?: unknown } {
  try {
    return { value: probe() };
  } catch (error) {
    return { error: error ?? new Error("a wait's probe threw undefined") };
  }
}

function abortedWait(what: string, signal: AbortSignal): FakeSidecarError {
  return new FakeSidecarError("aborted", `stopped waiting for ${what}: aborted`, signal.reason);
}
