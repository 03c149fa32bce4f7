/**
 * A follower of one agent's deliveries on a mailbox core, as Watch follows
 * them: woken by `subscribe`, it reads what is after its own cursor, so it
 * notes any gap (a sequence skipped: a commit-order violation or lost mail) and
 * any duplicate. A read that fails (the store away) is tried again on the next
 * wake or `poke()`.
 */
import type { Delivery, MailboxCore } from "../../../src/mailbox/core/mailbox-types.js";
import { until } from "../../helpers/step.js";

/** What a follower saw. */
export interface Follower {
  /** The agent followed. */
  readonly agentId: string;
  /** Every delivery read, in order. */
  readonly seen: Delivery[];
  /** Sequences that came out of order (each as "expected N, got M"). */
  readonly gaps: string[];
  /** The last sequence read. */
  cursor(): bigint;
  /** How many wakes arrived. */
  wakes(): number;
  /** Reads again now (as a reconnecting client would). */
  poke(): void;
  /** Waits until the cursor reaches `seq`. */
  reach(seq: bigint, timeoutMs?: number): Promise<void>;
  /** Stops following. */
  stop(): void;
}

/** Follows `agentId` on `core` from sequence 0. */
export function follow(core: MailboxCore, agentId: string, pageSize = 500): Follower {
  const seen: Delivery[] = [];
  const gaps: string[] = [];
  let cursor = 0n;
  let reading = false;
  let again = false;
  let wakes = 0;
  const pump = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const page = await core.deliveries(agentId, cursor, pageSize);
          for (const d of page) {
            if (d.seq !== cursor + 1n) gaps.push(`expected ${cursor + 1n}, got ${d.seq}`);
            seen.push(d);
            cursor = d.seq;
          }
          if (page.length < pageSize) break;
        }
      } while (again);
    } catch {
      // The store is away: the next wake or poke reads again from the same cursor.
    } finally {
      reading = false;
    }
  };
  const unsubscribe = core.subscribe(agentId, () => {
    wakes++;
    void pump();
  });
  void pump();
  return {
    agentId,
    seen,
    gaps,
    cursor: () => cursor,
    wakes: () => wakes,
    poke: () => void pump(),
    reach: (seq, timeoutMs = 20_000) =>
      until(() => cursor >= seq, `${agentId} to reach sequence ${seq} (at ${cursor})`, timeoutMs),
    stop: unsubscribe,
  };
}
