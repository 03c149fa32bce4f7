/**
 * A small unbounded FIFO that one consumer drains with `await next()`; the
 * dev sidecar uses it to serialise every write to an agent stream through a
 * single async generator.
 *
 * @module
 */

/** A FIFO whose consumer waits for items; closing it ends the consumer's loop. */
export interface AsyncQueue<T> {
  /** Appends an item; returns false when the queue is already closed. */
  push(item: T): boolean;
  /** Ends the queue: the consumer sees `done` once the buffered items are taken (or at once when `discard`). */
  close(discard?: boolean): void;
  /** Resolves with the next item, or `done` after `close()`. */
  next(): Promise<IteratorResult<T, undefined>>;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /** Number of items waiting to be taken. */
  readonly size: number;
}

/** Creates an empty {@link AsyncQueue}. */
export function createAsyncQueue<T>(): AsyncQueue<T> {
  const items: T[] = [];
  let waiter: ((result: IteratorResult<T, undefined>) => void) | undefined;
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    get size() {
      return items.length;
    },
    push(item) {
      if (closed) return false;
      if (waiter) {
        const resolve = waiter;
        waiter = undefined;
        resolve({ done: false, value: item });
      } else {
        items.push(item);
      }
      return true;
    },
    close(discard = false) {
      closed = true;
      if (discard) items.length = 0;
      if (waiter && items.length === 0) {
        const resolve = waiter;
        waiter = undefined;
        resolve({ done: true, value: undefined });
      }
    },
    next() {
      if (items.length > 0) {
        return Promise.resolve({ done: false, value: items.shift() as T });
      }
      if (closed) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiter = resolve;
      });
    },
  };
}
