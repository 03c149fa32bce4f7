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

/**
 * Reads the agent's deliveries from the core after a cursor, on start and on
 * every wake-up the core gives (the same reading the server's push does), until
 * one matches, the bound passes, or the wait is aborted.
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
  return new Promise<TestDelivery>((resolve, reject) => {
    let cursor = match.after ?? 0n;
    let seen = 0;
    let reading = false;
    let again = false;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      unregister();
      spec.signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const fail = (error: unknown) => finish(() => reject(error));
    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          for (;;) {
            const page = await core.deliveries(agentId, cursor, 500);
            for (const d of page) {
              cursor = d.seq;
              seen++;
              if (accepts(d)) {
                const found = { seq: d.seq, threadId: d.message.threadId, message: d.message };
                return finish(() => resolve(found));
              }
            }
            if (page.length < 500 || done) break;
          }
        } while (again && !done);
      } catch (e) {
        fail(e);
      } finally {
        reading = false;
      }
    };
    const onAbort = () =>
      fail(new FakeSidecarError("aborted", `stopped waiting for ${spec.what}: aborted`));
    const timer = setTimeout(
      () =>
        fail(
          new FakeSidecarError(
            "timeout",
            `timed out after ${spec.timeoutMs} ms waiting for ${spec.what}; ${seen} other delivery(ies) to ${agentId} seen`,
          ),
        ),
      spec.timeoutMs,
    );
    const unsubscribe = core.subscribe(agentId, () => void read());
    const unregister = spec.register(fail);
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener("abort", onAbort, { once: true });
    void read();
  });
}

/** Re-runs `condition` every 10 ms until it answers true, the bound passes, or the wait ends. */
export function pollUntil(
  condition: () => boolean | Promise<boolean>,
  spec: MailboxWaitSpec,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let poll: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(poll);
      unregister();
      spec.signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const fail = (error: unknown) => finish(() => reject(error));
    const check = async () => {
      try {
        if (await condition()) return finish(resolve);
      } catch (e) {
        return fail(e);
      }
      if (!done) poll = setTimeout(check, 10);
    };
    const onAbort = () =>
      fail(new FakeSidecarError("aborted", `stopped waiting for ${spec.what}: aborted`));
    const timer = setTimeout(
      () =>
        fail(
          new FakeSidecarError(
            "timeout",
            `timed out after ${spec.timeoutMs} ms waiting for ${spec.what}`,
          ),
        ),
      spec.timeoutMs,
    );
    const unregister = spec.register(fail);
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener("abort", onAbort, { once: true });
    void check();
  });
}
