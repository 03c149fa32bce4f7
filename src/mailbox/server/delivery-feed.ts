/**
 * The push feed of one stream (SSE or Watch): the core's `watchDeliveries`
 * (replay after the cursor, then live, from the store, with heartbeats) under
 * the server's options, ended by the reader leaving or the server draining,
 * and the contexts push frames carry.
 *
 * @module
 */

import type { Delivery, MailboxCore, MailContext } from "../core/mailbox-types.js";
import { type WatchEvent, watchDeliveries } from "../core/watch.js";
import type { MailboxServerParts } from "./route-context.js";

/**
 * The feed of `agentId`'s deliveries after `afterSeq` for a stream that ends
 * with `signal` or the server's drain; `announce`: a heartbeat at once when
 * there is nothing to replay (the typed Watch: connect sends the response
 * headers with the first message).
 */
export function deliveryFeed(
  parts: MailboxServerParts,
  agentId: string,
  afterSeq: bigint,
  signal: AbortSignal,
  announce = false,
): AsyncGenerator<WatchEvent, void, undefined> {
  return watchDeliveries(parts.core, agentId, {
    afterSeq,
    signal: AbortSignal.any([signal, parts.shutdown]),
    heartbeatMs: parts.options.sseHeartbeatMs,
    batchSize: parts.options.streamPageSize,
    announce,
  });
}

/** The context of a delivery's thread as its recipient may see it, built by `core.sync` from the store's current rows. */
export function contextOf(
  core: MailboxCore,
  agentId: string,
  delivery: Delivery,
  recent: number,
): Promise<MailContext> {
  return core.sync(delivery.message.threadId, agentId, { recent });
}
