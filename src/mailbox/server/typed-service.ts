/**
 * The typed `agentwire.mailbox.v1.MailboxService` over the mailbox core:
 * each method authenticates like the HTTP routes (the `Authorization`
 * header), settles who acts (an empty name is the caller in token mode),
 * calls the core once and answers the typed view. `Watch` stands on the same
 * store-backed feed as SSE.
 *
 * @module
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import type { MailContext } from "../core/mailbox-types.js";
import { contextsOf, deliveryFeed } from "./delivery-feed.js";
import type { MailboxCaller } from "./identity.js";
import {
  handoffInput,
  jsonOf,
  protoContext,
  protoDelivery,
  protoMessage,
  protoParticipant,
  protoThread,
} from "./proto-views.js";
import { registerAgent } from "./register-agent.js";
import type { MailboxServerParts } from "./route-context.js";

/** The caller of a typed request, from its `Authorization` header. */
function callerOf(parts: MailboxServerParts, ctx: HandlerContext): Promise<MailboxCaller> {
  return parts.auth.authenticate(ctx.requestHeader.get("authorization"));
}

/** The agent a typed request acts as: `name`, or the caller when empty in token mode. */
async function actor(
  parts: MailboxServerParts,
  ctx: HandlerContext,
  name: string,
  field: string,
): Promise<string> {
  const caller = await callerOf(parts, ctx);
  if (name === "" && caller.kind === "agent") return caller.agentId;
  return parts.auth.actAs(caller, name, field);
}

function optional(value: string): string | undefined {
  return value === "" ? undefined : value;
}

function sendAnswer(r: Awaited<ReturnType<MailboxServerParts["core"]["send"]>>) {
  return {
    messageId: r.messageId,
    threadId: r.threadId,
    deliveredTo: r.deliveredTo,
    timestampMs: BigInt(r.timestamp),
    deliveries: r.deliveries.map((d) => ({ agentId: d.agentId, seq: d.seq })),
  };
}

/** Registers the typed service on a Connect router. */
export function registerMailboxService(router: ConnectRouter, parts: MailboxServerParts): void {
  const { core } = parts;
  router.service(MailboxService, {
    async register(req, ctx) {
      const caller = await callerOf(parts, ctx);
      const answer = await registerAgent(parts, caller, req.agentId, "agent_id");
      return { agentId: answer.agentId, created: answer.created, token: answer.token ?? "" };
    },
    async send(req, ctx) {
      const from = await actor(parts, ctx, req.sender, "sender");
      const handoff = handoffInput(req.handoff);
      const threadId = optional(req.threadId);
      const replyTo = optional(req.replyTo);
      const result = await core.send({
        from,
        to: req.to,
        cc: req.cc,
        bcc: req.bcc,
        payload: jsonOf(req.payload),
        ...(threadId !== undefined && { threadId }),
        ...(replyTo !== undefined && { replyTo }),
        ...(req.contextSnapshot !== undefined && { contextSnapshot: req.contextSnapshot }),
        ...(handoff !== undefined && { handoff }),
      });
      return sendAnswer(result);
    },
    async replyAll(req, ctx) {
      const from = await actor(parts, ctx, req.sender, "sender");
      const handoff = handoffInput(req.handoff);
      const result = await core.replyAll({
        from,
        threadId: req.threadId,
        payload: jsonOf(req.payload),
        ...(req.contextSnapshot !== undefined && { contextSnapshot: req.contextSnapshot }),
        ...(handoff !== undefined && { handoff }),
      });
      return sendAnswer(result);
    },
    async unread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const frames = await core.unread(agentId, {
        ...(req.recent !== 0 && { recent: req.recent }),
        ...(req.afterSeq !== 0n && { afterSeq: req.afterSeq }),
        ...(req.limit !== 0 && { limit: req.limit }),
      });
      const contexts: Record<string, ReturnType<typeof protoContext>> = {};
      const seen = new Map<string, MailContext>();
      for (const f of frames) {
        if (seen.get(f.message.threadId) === f.context) continue;
        seen.set(f.message.threadId, f.context);
        contexts[f.message.threadId] = protoContext(f.context);
      }
      return {
        deliveries: frames.map((f) => protoDelivery(f)),
        contexts,
      };
    },
    async markRead(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const result = await core.markRead(
        agentId,
        req.threadId,
        req.upToSeq === undefined ? {} : { upToSeq: req.upToSeq },
      );
      return { upToSeq: result.upToSeq };
    },
    async listMailbox(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const limit = req.limit === 0 ? 100 : Math.min(Math.max(req.limit, 1), 1000);
      const offset = Math.max(req.offset, 0);
      const page = await core.mailbox(agentId, { limit, offset });
      return {
        threads: page.threads.map(protoThread),
        unreadCount: page.unreadCount,
        total: page.total,
        limit,
        offset,
      };
    },
    async getThread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      return { thread: protoThread(await core.thread(req.threadId, agentId)) };
    },
    async syncThread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const context = await core.sync(req.threadId, agentId, {
        ...(req.recent !== 0 && { recent: req.recent }),
      });
      return { context: protoContext(context) };
    },
    async listParticipants(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const participants = await core.participants(req.threadId, agentId);
      return { participants: participants.map(protoParticipant) };
    },
    async *watch(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const release = parts.streams.acquire(agentId);
      try {
        const signal = AbortSignal.any([ctx.signal, parts.shutdown]);
        const recent = req.recent === 0 ? 10 : req.recent;
        for await (const item of deliveryFeed({
          core,
          agentId,
          afterSeq: req.afterSeq,
          pageSize: parts.options.streamPageSize,
          heartbeatMs: parts.options.sseHeartbeatMs,
          signal,
        })) {
          if (item.kind === "heartbeat") {
            const latestSeq = await core.latestSeq(agentId);
            yield {
              event: {
                case: "heartbeat",
                value: { latestSeq, timeMs: BigInt(Date.now()) },
              },
            };
            continue;
          }
          if (!req.includeContext) {
            for (const d of item.deliveries)
              yield { event: { case: "delivery", value: protoDelivery(d) } };
            continue;
          }
          const contexts = await contextsOf(core, agentId, item.deliveries, recent);
          for (const d of item.deliveries) {
            const context = contexts.get(d.message.threadId) as MailContext;
            yield {
              event: {
                case: "frame",
                value: {
                  seq: d.seq,
                  message: protoMessage(d.message),
                  context: protoContext(context),
                },
              },
            };
          }
        }
      } finally {
        release();
      }
    },
  });
}
