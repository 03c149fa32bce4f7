/**
 * The push feed both SSE and `Watch` stand on: subscribe to the core's
 * wake-ups first, then read the agent's deliveries after the cursor from the
 * store, a page at a time, until none is left; wait for a wake-up (or yield a
 * heartbeat when idle) and read again. Every delivery comes from the store, so
 * a missed or doubled wake-up never loses or repeats mail, and a slow reader
 * holds at most one page (the consumer pulls the next page when it is ready).
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import type { Delivery, MailboxCore, MailContext } from "../core/mailbox-types.js";

/** What a feed yields: a page of deliveries in sequence order, or a heartbeat after an idle interval. */
export type FeedItem =
  | { readonly kind: "deliveries"; readonly deliveries: readonly Delivery[] }
  | { readonly kind: "heartbeat" };

/** Options of {@link deliveryFeed}. */
export interface DeliveryFeedOptions {
  /** The mailbox core. */
  readonly core: MailboxCore;
  /** Whose deliveries. */
  readonly agentId: string;
  /** The last sequence the reader has; the feed starts after it. */
  readonly afterSeq: bigint;
  /** Deliveries read per page. */
  readonly pageSize: number;
  /** Milliseconds of idleness after which a heartbeat is yielded. */
  readonly heartbeatMs: number;
  /** Ends the feed (the reader left, or the server drains). */
  readonly signal: AbortSignal;
}

/** Replays the agent's deliveries after `afterSeq`, then streams new ones, with no gap and no duplicate. */
export async function* deliveryFeed(options: DeliveryFeedOptions): AsyncGenerator<FeedItem> {
  const { core, agentId, pageSize, heartbeatMs, signal } = options;
  let cursor = options.afterSeq;
  let woken = true;
  let wake: (() => void) | undefined;
  const unsubscribe = core.subscribe(agentId, () => {
    woken = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      if (woken) {
        // Cleared before reading: a wake-up during the read means another read.
        woken = false;
        for (;;) {
          const page = (await core.deliveries(agentId, cursor, pageSize)).filter(
            (d) => d.seq > cursor,
          );
          if (signal.aborted || page.length === 0) break;
          cursor = (page[page.length - 1] as Delivery).seq;
          yield { kind: "deliveries", deliveries: page };
          if (page.length < pageSize) break;
        }
        continue;
      }
      const idle = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), heartbeatMs);
        wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      wake = undefined;
      if (idle && !signal.aborted) yield { kind: "heartbeat" };
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}

/** The context of every thread of a page of deliveries, read once per thread, as the recipient may see it. */
export async function contextsOf(
  core: MailboxCore,
  agentId: string,
  deliveries: readonly Delivery[],
  recent: number,
): Promise<Map<string, MailContext>> {
  const contexts = new Map<string, MailContext>();
  for (const d of deliveries) {
    const threadId = d.message.threadId;
    if (!contexts.has(threadId))
      contexts.set(threadId, await core.sync(threadId, agentId, { recent }));
  }
  return contexts;
}

/** Counts the open push streams, overall and per agent, and refuses one over either bound. */
export interface StreamLimiter {
  /** Streams open now. */
  readonly open: number;
  /** Takes a slot for a stream of `agentId`; returns its release, or throws `unavailable` (RESOURCE_EXHAUSTED). */
  acquire(agentId: string): () => void;
}

/** Creates a {@link StreamLimiter}. */
export function createStreamLimiter(maxConcurrent: number, maxPerAgent: number): StreamLimiter {
  const perAgent = new Map<string, number>();
  let open = 0;
  return {
    get open() {
      return open;
    },
    acquire(agentId) {
      const mine = perAgent.get(agentId) ?? 0;
      if (mine >= maxPerAgent)
        throw new AgentwireError(
          "unavailable",
          `agent ${agentId} has ${maxPerAgent} push streams open already (the most allowed)`,
          Code.ResourceExhausted,
        );
      if (open >= maxConcurrent)
        throw new AgentwireError(
          "unavailable",
          `the server has ${maxConcurrent} push streams open already (the most allowed)`,
          Code.ResourceExhausted,
        );
      perAgent.set(agentId, mine + 1);
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (perAgent.get(agentId) ?? 1) - 1;
        if (left === 0) perAgent.delete(agentId);
        else perAgent.set(agentId, left);
      };
    },
  };
}
