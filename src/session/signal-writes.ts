import type { QueuedWrite } from "./write-queue.js";

interface SignalEntry {
  /** The writes still queued under the signal, each with what its abort does. */
  readonly writes: Map<QueuedWrite, () => void>;
  readonly onAbort: () => void;
}

/**
 * The queued writes of each AbortSignal, with one abort listener per signal
 * however many of its writes wait: a turn streaming tokens without awaiting
 * each write shares one signal across many queued writes, and a listener per
 * write would pile up (and trip Node's MaxListenersExceededWarning).
 */
export class SignalWrites {
  private readonly bySignal = new Map<AbortSignal, SignalEntry>();

  /** Registers `write` under `signal`; `cancel` runs if the signal aborts while it is registered. */
  add(signal: AbortSignal, write: QueuedWrite, cancel: () => void): void {
    let entry = this.bySignal.get(signal);
    if (entry === undefined) {
      const writes = new Map<QueuedWrite, () => void>();
      const onAbort = () => {
        this.bySignal.delete(signal);
        for (const cancelWrite of writes.values()) cancelWrite();
        writes.clear();
      };
      entry = { writes, onAbort };
      this.bySignal.set(signal, entry);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    entry.writes.set(write, cancel);
  }

  /** Unregisters `write` (it settled); the signal's listener goes with its last write. */
  delete(signal: AbortSignal, write: QueuedWrite): void {
    const entry = this.bySignal.get(signal);
    if (entry === undefined || !entry.writes.delete(write) || entry.writes.size > 0) return;
    this.bySignal.delete(signal);
    signal.removeEventListener("abort", entry.onAbort);
  }
}
