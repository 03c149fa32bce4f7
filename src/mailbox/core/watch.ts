/**
 * Push as an async iterable, for the typed `Watch` and the SSE route alike:
 * first every delivery after the caller's sequence, then new ones as they
 * commit, with heartbeats while nothing happens. It subscribes before its
 * first read and always reads from its own cursor, so a wake that comes early,
 * late or twice never loses or repeats a delivery.
 *
 * @module
 */
import { invalidArgument } from "./mailbox-errors.js";
import type { Delivery, MailboxCore } from "./mailbox-types.js";

/** One event of a watch. */
export type WatchEvent =
  | { kind: "delivery"; delivery: Delivery }
  | { kind: "heartbeat"; latestSeq: bigint; timeMs: number };

/** Options of `watchDeliveries`. */
export interface WatchOptions {
  /** Replay every delivery after this sequence first (0n: from the first). */
  afterSeq: bigint;
  /** Ends the watch (the iterator returns; nothing is thrown). */
  signal: AbortSignal;
  /** How long without a delivery before a heartbeat, in milliseconds; 15,000 by default. */
  heartbeatMs?: number;
  /** How many deliveries are read from the store at a time; 100 by default. */
  batchSize?: number;
  /**
   * Yield a heartbeat at once when the first replay brings nothing, so a
   * stream that sends its headers with its first event opens without waiting
   * for mail or for the first timed heartbeat. False by default.
   */
  announce?: boolean;
}

/** Streams an agent's deliveries after `afterSeq`, then new ones, with heartbeats, until `signal` aborts. */
export async function* watchDeliveries(
  core: MailboxCore,
  agentId: string,
  options: WatchOptions,
): AsyncGenerator<WatchEvent, void, undefined> {
  const { signal, heartbeatMs = 15_000, batchSize = 100 } = options;
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 1)
    throw invalidArgument(`heartbeatMs: must be a positive integer, got ${heartbeatMs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw invalidArgument(`batchSize: must be a positive integer, got ${batchSize}`);
  if (signal.aborted) return;
  let cursor = options.afterSeq;
  let announce = options.announce === true;
  let woken = true;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const unsubscribe = core.subscribe(agentId, wake);
  signal.addEventListener("abort", wake);
  try {
    for (;;) {
      while (woken && !signal.aborted) {
        woken = false;
        for (;;) {
          const batch = await core.deliveries(agentId, cursor, batchSize);
          for (const delivery of batch) {
            announce = false;
            cursor = delivery.seq;
            yield { kind: "delivery", delivery };
            if (signal.aborted) return;
          }
          if (batch.length < batchSize) break;
        }
      }
      if (signal.aborted) return;
      if (announce) {
        announce = false;
        yield { kind: "heartbeat", latestSeq: await core.latestSeq(agentId), timeMs: Date.now() };
        if (signal.aborted) return;
        if (woken) continue;
      }
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), heartbeatMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve(false);
        };
        if (woken || signal.aborted) wakeUp();
      });
      wakeUp = undefined;
      if (timedOut && !signal.aborted)
        yield { kind: "heartbeat", latestSeq: await core.latestSeq(agentId), timeMs: Date.now() };
    }
  } finally {
    signal.removeEventListener("abort", wake);
    unsubscribe();
  }
}
