import { AsyncQueue } from "../internal/async-queue.js";
import type { Session } from "../session/session-interface.js";
import type { Turn } from "./turn-interface.js";
import { resolveKeepAliveMs, TurnRouter } from "./turn-router.js";

/** Options of `turns`. */
export interface TurnsOptions {
  /** Re-sends the last status (or THINKING) after this long without a frame, in milliseconds (default 60000; 0 disables). */
  keepAliveMs?: number;
  /** Attaches the audio to "[audio]" placeholder turns (`turn.audio`); when false those turns are refused (default false). */
  audio?: boolean;
  /** Ends the iteration and aborts running turns ("closed") when it aborts. */
  signal?: AbortSignal;
}

/**
 * The session's turns as an async iterable, for agents written as a plain
 * loop: `for await (const turn of turns(session)) { ... turn.finish() }`.
 * Supersession, STOP, disconnects and form answers work as with `serve`, but
 * the loop body finishes each turn itself. Turns that were aborted while
 * waiting to be read (a newer message superseded them) are skipped. The
 * iteration ends when the session closes, the signal aborts, or the loop
 * breaks; running turns are then aborted with reason "closed".
 */
export function turns(session: Session, options: TurnsOptions = {}): AsyncIterableIterator<Turn> {
  const keepAliveMs = resolveKeepAliveMs(options.keepAliveMs, "turns");
  const signal = options.signal;
  const onAbort = () => router.close("closed");
  const queue: AsyncQueue<Turn> = new AsyncQueue(() => router.close("closed"));
  const router = new TurnRouter(session, {
    keepAliveMs,
    audio: options.audio ?? false,
    onTurn: (turn) => queue.push(turn),
    onClose() {
      signal?.removeEventListener("abort", onAbort);
      queue.end();
    },
  });
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const iterator: AsyncIterableIterator<Turn> = {
    async next() {
      for (;;) {
        const r = await queue.next();
        if (r.done || !r.value.ended) return r;
      }
    },
    return: () => queue.return(),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
