/**
 * The one async FIFO of agentwire: pushes on one side, a single reader
 * awaiting `next()` on the other. Sessions hand frames to `frames()` readers
 * with it, the turn loop hands out turns, the audio demux its inputs, and a
 * sidecar serialises every write to an agent stream through it.
 *
 * @module
 */

/**
 * An async iterator fed by pushes. Items wait until read; `end()` ends it
 * after the items already pushed (throwing `error` to the reader, if given),
 * `clear()` drops what waits, `return()` (a `break` in `for await`) ends it
 * at once and calls `onReturn`.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private readIndex = 0;
  private waiting: ((r: IteratorResult<T, undefined>) => void) | undefined;
  private failWaiting: ((e: unknown) => void) | undefined;
  private isEnded = false;
  private error: unknown;

  constructor(private readonly onReturn?: () => void) {}

  /** Whether `end()` or `return()` was called; pushes are refused from then on. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Number of items waiting to be read. */
  get size(): number {
    return this.items.length - this.readIndex;
  }

  /** Delivers an item to the reader; returns false (item dropped) once the queue ended. */
  push(item: T): boolean {
    if (this.isEnded) return false;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.failWaiting = undefined;
      waiting({ value: item, done: false });
      return true;
    }
    this.items.push(item);
    return true;
  }

  /** Drops the items waiting to be read. */
  clear(): void {
    this.items = [];
    this.readIndex = 0;
  }

  /** Ends the iterator after the queued items; with an error, the reader sees it thrown. */
  end(error?: unknown): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.error = error;
    if (this.waiting !== undefined && this.size === 0) this.settleEnd();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.readIndex < this.items.length) {
      const value = this.items[this.readIndex++] as T;
      if (this.readIndex === this.items.length) this.clear();
      return Promise.resolve({ value, done: false });
    }
    if (this.isEnded) {
      const error = this.error;
      this.error = undefined;
      return error !== undefined
        ? Promise.reject(error)
        : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.clear();
    this.error = undefined;
    this.isEnded = true;
    this.settleEnd();
    this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private settleEnd(): void {
    const waiting = this.waiting;
    const fail = this.failWaiting;
    this.waiting = undefined;
    this.failWaiting = undefined;
    if (waiting === undefined) return;
    const error = this.error;
    this.error = undefined;
    if (error !== undefined && fail) fail(error);
    else waiting({ value: undefined, done: true });
  }
}
