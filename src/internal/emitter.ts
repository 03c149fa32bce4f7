/** A listener of an event whose arguments are the tuple `A`. */
export type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A small typed event emitter: `on` returns the function that removes the
 * listener, so nothing stays subscribed by accident. Listener errors do not
 * reach the emitter's caller; they go to `onListenerError`.
 */
export class Emitter<M extends { [K in keyof M]: unknown[] }> {
  private readonly listeners: { [K in keyof M]?: Listener<M[K]>[] } = {};

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** Adds a listener of `event`; returns the function that removes it. */
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    const list = this.listeners[event];
    if (list === undefined) this.listeners[event] = [listener];
    else list.push(listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener of `event`. */
  off<K extends keyof M>(event: K, listener: Listener<M[K]>): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    // Assigning undefined rather than deleting keeps the object in fast mode.
    if (list.length === 0) this.listeners[event] = undefined;
  }

  /** Whether `event` has a listener. */
  has<K extends keyof M>(event: K): boolean {
    return this.listeners[event] !== undefined;
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    for (const listener of list.length === 1 ? list : list.slice()) {
      try {
        listener(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    for (const key of Object.keys(this.listeners)) this.listeners[key as keyof M] = undefined;
  }
}
