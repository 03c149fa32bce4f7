/**
 * `GET /mailbox/:agentId/events`: the agent's deliveries as server-sent
 * events. The cursor is `Last-Event-ID` (an EventSource reconnecting) or else
 * `?after=` (0 by default: everything); every event's `id:` is its delivery
 * sequence and its data the unread frame of the delivery (with the thread's
 * context) plus `seq`; idle streams get comment heartbeats. A page is written
 * only after the previous one drained, so a slow reader holds at most a page.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import { legacyContext, legacyMessage } from "../core/legacy-view.js";
import type { Delivery, MailboxCore } from "../core/mailbox-types.js";
import { contextsOf, deliveryFeed } from "./delivery-feed.js";
import type { NodeResponse } from "./http-status.js";
import { sequenceOf } from "./json-fields.js";
import { RECENT_DEFAULT } from "./legacy-routes.js";
import type { RouteHandler } from "./route-context.js";

/** A push event's data: the delivery's unread frame (the AgentMailbox ContextFrame) led by its `seq`. */
function pushFrame(delivery: Delivery, context: unknown): Record<string, unknown> {
  const {
    payload,
    contextSnapshot: _snapshot,
    timestamp,
    ...head
  } = legacyMessage(delivery.message);
  return { seq: Number(delivery.seq), ...head, timestamp, payload, context };
}

/** The SSE frames of a page of deliveries, each with its thread's context (read and rendered once per thread). */
async function pushFrames(
  core: MailboxCore,
  agentId: string,
  deliveries: readonly Delivery[],
): Promise<Record<string, unknown>[]> {
  const contexts = await contextsOf(core, agentId, deliveries, RECENT_DEFAULT);
  const rendered = new Map<string, Record<string, unknown>>();
  for (const [threadId, context] of contexts) rendered.set(threadId, legacyContext(context));
  return deliveries.map((d) => pushFrame(d, rendered.get(d.message.threadId)));
}

function drained(res: NodeResponse, signal: AbortSignal): Promise<void> {
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

/** The SSE route handler. */
export const eventsRoute: RouteHandler = async (parts, request) => {
  const { req, query } = request;
  // Both response kinds write alike; one type keeps the calls simple.
  const res = request.res as ServerResponse;
  const agentId = parts.auth.actAs(request.caller, request.params.agentId as string, "agentId");
  const lastEventId = req.headers["last-event-id"];
  const after =
    typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : query.get("after");
  const afterSeq =
    after === null || after === ""
      ? 0n
      : sequenceOf(
          after,
          typeof lastEventId === "string" && lastEventId !== "" ? "Last-Event-ID" : "after",
        );
  const release = parts.streams.acquire(agentId);
  const stop = new AbortController();
  const end = () => stop.abort();
  res.once("close", end);
  parts.shutdown.addEventListener("abort", end, { once: true });
  try {
    (res as ServerResponse).writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    });
    res.write(": connected\n\n");
    const feed = deliveryFeed({
      core: parts.core,
      agentId,
      afterSeq,
      pageSize: parts.options.streamPageSize,
      heartbeatMs: parts.options.sseHeartbeatMs,
      signal: stop.signal,
    });
    for await (const item of feed) {
      if (stop.signal.aborted) break;
      let ok: boolean;
      if (item.kind === "heartbeat") ok = res.write(": heartbeat\n\n");
      else {
        const frames = await pushFrames(parts.core, agentId, item.deliveries);
        let text = "";
        for (const frame of frames)
          text += `id: ${String(frame.seq)}\ndata: ${JSON.stringify(frame)}\n\n`;
        ok = res.write(text);
      }
      if (!ok && !stop.signal.aborted) await drained(res, stop.signal);
    }
  } finally {
    release();
    res.off("close", end);
    parts.shutdown.removeEventListener("abort", end);
    if (!res.writableEnded && !res.destroyed) res.end();
  }
};
