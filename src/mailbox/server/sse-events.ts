/**
 * `GET /mailbox/:agentId/events`: the agent's deliveries as server-sent
 * events. The cursor is `Last-Event-ID` (an EventSource reconnecting) or else
 * `?after=` (0 by default: everything); every event's `id:` is its delivery
 * sequence and its data the unread frame of the delivery (with the thread's
 * context) led by `seq`; idle streams get comment heartbeats. The next
 * delivery is taken from the feed only once the previous one was written out
 * (drained), so a slow reader holds at most one store page.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import { legacyContext, legacyMessage } from "../core/legacy-view.js";
import type { Delivery, MailContext } from "../core/mailbox-types.js";
import { contextOf, deliveryFeed } from "./delivery-feed.js";
import { sequenceOf } from "./json-fields.js";
import { RECENT_DEFAULT } from "./legacy-routes.js";
import type { RouteHandler } from "./route-context.js";

/** A push event's data: the delivery's unread frame (the AgentMailbox ContextFrame) led by its `seq`. */
function pushFrame(delivery: Delivery, context: MailContext): Record<string, unknown> {
  const {
    payload,
    contextSnapshot: _snapshot,
    timestamp,
    ...head
  } = legacyMessage(delivery.message);
  return {
    seq: Number(delivery.seq),
    ...head,
    timestamp,
    payload,
    context: legacyContext(context),
  };
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The cursor of an SSE request: `Last-Event-ID` wins over `?after=` (a reconnecting EventSource keeps its URL). */
function cursorOf(lastEventId: string | string[] | undefined, after: string | null): bigint {
  if (typeof lastEventId === "string" && lastEventId !== "")
    return sequenceOf(lastEventId, "Last-Event-ID");
  if (after !== null && after !== "") return sequenceOf(after, "after");
  return 0n;
}

/** The SSE route handler. */
export const eventsRoute: RouteHandler = async (parts, request) => {
  // Both response kinds write alike; one type keeps the calls simple.
  const res = request.res as ServerResponse;
  const agentId = parts.auth.actAs(request.caller, request.params.agentId as string, "agentId");
  const afterSeq = cursorOf(request.req.headers["last-event-id"], request.query.get("after"));
  const release = parts.streams.acquire(agentId);
  const left = new AbortController();
  const leave = () => left.abort();
  res.once("close", leave);
  try {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    });
    res.write(": connected\n\n");
    const signal = AbortSignal.any([left.signal, parts.shutdown]);
    for await (const event of deliveryFeed(parts, agentId, afterSeq, left.signal)) {
      let ok: boolean;
      if (event.kind === "heartbeat") ok = res.write(": heartbeat\n\n");
      else {
        const { delivery } = event;
        const context = await contextOf(parts.core, agentId, delivery, RECENT_DEFAULT);
        const data = JSON.stringify(pushFrame(delivery, context));
        ok = res.write(`id: ${delivery.seq}\ndata: ${data}\n\n`);
      }
      if (!ok && !signal.aborted) await drained(res, signal);
    }
  } finally {
    release();
    res.off("close", leave);
    if (!res.writableEnded && !res.destroyed) res.end();
  }
};
