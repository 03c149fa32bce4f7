/**
 * Promise-based step helpers: tests wait for a condition or an event, never
 * for a fixed time. Each wait has a bound so a broken test fails with a clear
 * message instead of hanging.
 */

/** Waits until `predicate` is true, checking on every macrotask turn; fails after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Waits until the async `probe` resolves true, probing one call at a time; fails after `timeoutMs`. */
export async function untilAsync(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A queue of values pushed by callbacks and awaited one at a time by the test. */
export class Inbox<T> {
  private items: T[] = [];
  private waiters: ((v: T) => void)[] = [];

  /** Every value pushed so far, in order (including those already taken). */
  readonly all: T[] = [];

  /** Adds a value (for callbacks). */
  readonly push = (value: T): void => {
    this.all.push(value);
    const w = this.waiters.shift();
    if (w) w(value);
    else this.items.push(value);
  };

  /** Takes the next value, waiting for it up to `timeoutMs`. */
  next(what = "the next value", timeoutMs = 5000): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined || this.items.length > 0) return Promise.resolve(item as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = (v: T) => {
        clearTimeout(timer);
        resolve(v);
      };
      this.waiters.push(waiter);
    });
  }

  /** Takes values until one matches `predicate`, and returns it. */
  async nextMatching(predicate: (v: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      const v = await this.next(what, Math.max(1, left));
      if (predicate(v)) return v;
    }
  }

  /** The number of values waiting to be taken. */
  get pending(): number {
    return this.items.length;
  }
}

/** A promise with its settle functions exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
