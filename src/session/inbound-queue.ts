import type { AgentwireError } from "../client/errors.js";

/**
 * An async iterator fed by pushes: the inbound side of `session.frames()`.
 * Items wait in an array until read; the iterator ends when `end` is called,
 * after the items already pushed, throwing `error` if one was given.
 */
export class InboundQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private readIndex = 0;
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((e: unknown) => void) | undefined;
  private ended = false;
  private error: AgentwireError | undefined;

  constructor(private readonly onReturn: () => void) {}

  /** Delivers an item to the reader. */
  push(item: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.failWaiting = undefined;
      waiting({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  /** Ends the iterator after the queued items; with an error, the reader sees it thrown. */
  end(error?: AgentwireError): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.waiting !== undefined && this.readIndex >= this.items.length) this.settleEnd();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.readIndex < this.items.length) {
      const value = this.items[this.readIndex++] as T;
      if (this.readIndex === this.items.length) {
        this.items = [];
        this.readIndex = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      const error = this.error;
      this.error = undefined;
      return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.readIndex = 0;
    this.error = undefined;
    this.ended = true;
    this.settleEnd();
    this.onReturn();
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
    if (error && fail) fail(error);
    else waiting({ value: undefined, done: true });
  }
}
