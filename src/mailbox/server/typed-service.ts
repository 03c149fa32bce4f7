/**
 * The typed `agentwire.mailbox.v1.MailboxService` over the mailbox core:
 * each method authenticates like the HTTP routes (the `Authorization`
 * header), settles who acts (an empty name is the caller in token mode),
 * calls the core once and answers the typed view. `Watch` stands on the same
 * store-backed feed as SSE.
 *
 * @module
 */
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import {
  protoContext,
  protoDelivery,
  protoMailboxResponse,
  protoMessage,
  protoParticipant,
  protoReplyAllResponse,
  protoSendResponse,
  protoThread,
  protoUnreadResponse,
  recentOption,
  replyAllInput,
  sendInput,
} from "../core/proto-view.js";
import { contextOf, deliveryFeed } from "./delivery-feed.js";
import type { MailboxCaller } from "./identity.js";
import { RECENT_DEFAULT } from "./legacy-routes.js";
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

/**
 * Handler options of the push stream: its frames go uncompressed. They are a
 * few KiB each and latency-bound; a gzip per frame costs both sides CPU and a
 * thread-pool round trip each way. Unary answers keep Connect's default
 * (compressed from 1 KiB when the client accepts it).
 */
const PUSH_OPTIONS = { compressMinBytes: Number.MAX_SAFE_INTEGER };

/** Registers the typed service on a Connect router. */
export function registerMailboxService(
  router: ConnectRouter,
  impl: ServiceImpl<typeof MailboxService>,
): void {
  const { watch, ...unary } = MailboxService.method;
  for (const method of Object.values(unary))
    router.rpc(method, impl[method.localName as keyof typeof unary] as never);
  router.rpc(watch, impl.watch, PUSH_OPTIONS);
}

/** The typed service's method implementations over the server's parts. */
export function mailboxServiceImpl(parts: MailboxServerParts): ServiceImpl<typeof MailboxService> {
  const { core } = parts;
  return {
    async register(req, ctx) {
      const caller = await callerOf(parts, ctx);
      const answer = await registerAgent(parts, caller, req.agentId, "agent_id");
      return { agentId: answer.agentId, created: answer.created, token: answer.token ?? "" };
    },
    async send(req, ctx) {
      const from = await actor(parts, ctx, req.sender, "sender");
      return protoSendResponse(await core.send(sendInput(req, from)));
    },
    async replyAll(req, ctx) {
      const from = await actor(parts, ctx, req.sender, "sender");
      return protoReplyAllResponse(await core.replyAll(replyAllInput(req, from)));
    },
    async unread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const recent = recentOption(req.recent);
      const frames = await core.unread(agentId, {
        ...(recent !== undefined && { recent }),
        ...(req.afterSeq !== 0n && { afterSeq: req.afterSeq }),
        ...(req.limit !== 0 && { limit: req.limit }),
      });
      return protoUnreadResponse(frames);
    },
    async markRead(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const options = req.upToSeq === undefined ? {} : { upToSeq: req.upToSeq };
      return { upToSeq: (await core.markRead(agentId, req.threadId, options)).upToSeq };
    },
    async listMailbox(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const page = await core.mailbox(agentId, {
        ...(req.limit !== 0 && { limit: req.limit }),
        offset: req.offset,
      });
      return protoMailboxResponse(page);
    },
    async getThread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      return { thread: protoThread(await core.thread(req.threadId, agentId)) };
    },
    async syncThread(req, ctx) {
      const agentId = await actor(parts, ctx, req.agentId, "agent_id");
      const recent = recentOption(req.recent);
      const context = await core.sync(
        req.threadId,
        agentId,
        recent === undefined ? {} : { recent },
      );
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
        const recent = recentOption(req.recent) ?? RECENT_DEFAULT;
        let afterSeq = req.afterSeq;
        if (req.fromLatest) {
          // Fixed before the feed subscribes and reads: what commits later is delivered.
          afterSeq = await core.latestSeq(agentId);
          const value = { latestSeq: afterSeq, timeMs: BigInt(Date.now()) };
          yield { event: { case: "heartbeat", value } };
        }
        for await (const event of deliveryFeed(
          parts,
          agentId,
          afterSeq,
          ctx.signal,
          !req.fromLatest,
        )) {
          if (event.kind === "heartbeat") {
            const value = { latestSeq: event.latestSeq, timeMs: BigInt(event.timeMs) };
            yield { event: { case: "heartbeat", value } };
          } else if (!req.includeContext) {
            yield { event: { case: "delivery", value: protoDelivery(event.delivery) } };
          } else {
            const { delivery } = event;
            const context = await contextOf(core, agentId, delivery, recent);
            const value = {
              seq: delivery.seq,
              message: protoMessage(delivery.message),
              context: protoContext(context),
            };
            yield { event: { case: "frame", value } };
          }
        }
      } finally {
        release();
      }
    },
  };
}
