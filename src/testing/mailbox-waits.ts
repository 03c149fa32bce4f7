import type { Delivery, MailboxCore } from "../mailbox/core/mailbox-types.js";
import { FakeSidecarError } from "./fake-errors.js";
import type { DeliveryMatch, TestDelivery } from "./test-mailbox.js";

/** One wait of the test mailbox. */
export interface MailboxWaitSpec {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  what: string;
  /** Adds the wait's fail function to those `close()` fails; returns its removal. */
  register: (fail: (error: Error) => void) => () => void;
}

/** A wait in progress, as its body sees it. */
interface RunningWait<T> {
  /** True once the wait settled (found, failed, timed out, aborted or closed). */
  readonly done: boolean;
  /** Ends the wait with its value. */
  resolve(value: T): void;
  /** Ends the wait with an error. */
  fail(error: unknown): void;
}

/**
 * Runs one wait of the test mailbox: `start` begins it (and returns what undoes
 * it); the bound, the signal and `close()` fail it with a FakeSidecarError
 * naming what was awaited, and whatever settles it first wins.
 */
function boundedWait<T>(
  spec: MailboxWaitSpec,
  timeoutDetail: () => string,
  start: (wait: RunningWait<T>) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let undo: (() => void) | undefined;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unregister();
      spec.signal?.removeEventListener("abort", onAbort);
      undo?.();
      settle();
    };
    const wait: RunningWait<T> = {
      get done() {
        return done;
      },
      resolve: (value) => finish(() => resolve(value)),
      fail: (error) => finish(() => reject(error)),
    };
    const onAbort = () =>
      wait.fail(new FakeSidecarError("aborted", `stopped waiting for ${spec.what}: aborted`));
    const timer = setTimeout(
      () =>
        wait.fail(
          new FakeSidecarError(
            "timeout",
            `timed out after ${spec.timeoutMs} ms waiting for ${spec.what}${timeoutDetail()}`,
          ),
        ),
      spec.timeoutMs,
    );
    const unregister = spec.register(wait.fail);
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener("abort", onAbort, { once: true });
    undo = start(wait);
    if (done) undo();
  });
}

/**
 * Follows the agent's deliveries after a cursor with the core's own watch (the
 * reading the server's push does) until one matches, the bound passes, or the
 * wait is aborted.
 */
export function waitForDelivery(
  core: MailboxCore,
  agentId: string,
  match: DeliveryMatch,
  spec: MailboxWaitSpec,
): Promise<TestDelivery> {
  const accepts = (d: Delivery) =>
    (match.from === undefined || d.message.from === match.from) &&
    (match.threadId === undefined || d.message.threadId === match.threadId) &&
    (match.where === undefined || match.where(d.message));
  let seen = 0;
  const detail = () => `; ${seen} other delivery(ies) to ${agentId} seen`;
  return boundedWait<TestDelivery>(spec, detail, (wait) => {
    const stop = new AbortController();
    void (async () => {
      try {
        // Loaded here, not at `import "agentwire/testing"`: the core comes with createTestMailbox.
        const { watchDeliveries } = await import("../mailbox/core/watch.js");
        const events = watchDeliveries(core, agentId, {
          afterSeq: match.after ?? 0n,
          signal: stop.signal,
          batchSize: 500,
        });
        for await (const event of events) {
          if (event.kind !== "delivery") continue;
          const d = event.delivery;
          if (accepts(d)) {
            return wait.resolve({ seq: d.seq, threadId: d.message.threadId, message: d.message });
          }
          seen++;
        }
      } catch (e) {
        wait.fail(e);
      }
    })();
    return () => stop.abort();
  });
}

/** Re-runs `condition` every 10 ms until it answers true, the bound passes, or the wait ends. */
export function pollUntil(
  condition: () => boolean | Promise<boolean>,
  spec: MailboxWaitSpec,
): Promise<void> {
  return boundedWait<void>(
    spec,
    () => "",
    (wait) => {
      let poll: ReturnType<typeof setTimeout> | undefined;
      const check = async () => {
        try {
          if (await condition()) return wait.resolve();
        } catch (e) {
          return wait.fail(e);
        }
        if (!wait.done) poll = setTimeout(check, 10);
      };
      void check();
      return () => clearTimeout(poll);
    },
  );
}
