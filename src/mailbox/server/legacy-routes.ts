/**
 * The AgentMailbox routes (all but the SSE one): each reads its request by the
 * wire's names, settles who acts, calls the core once and answers the
 * AgentMailbox JSON view.
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { legacyContext, legacyThread, legacyUnreadChunks } from "../core/legacy-view.js";
import type { SendResult } from "../core/mailbox-types.js";
import { sendJson, sendJsonChunks } from "./http-status.js";
import {
  handoffOf,
  optionalIdList,
  optionalObject,
  optionalString,
  payloadOf,
  queryInt,
  recipients,
  requiredString,
  sequenceOf,
} from "./json-fields.js";
import { registerAgent } from "./register-agent.js";
import { readJsonObject } from "./request-body.js";
import type { MailboxServerParts, RouteHandler, RouteRequest } from "./route-context.js";

/** How many recent messages a context carries by default, and the bounds `recent` is clamped to. */
export const RECENT_DEFAULT = 10;
const RECENT_MAX = 50;
/** The mailbox listing's default page size, and its largest. */
export const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 1000;

function body(parts: MailboxServerParts, request: RouteRequest) {
  return readJsonObject(request.req, parts.options.maxBodyBytes);
}

function sendAnswer(request: RouteRequest, result: SendResult): void {
  sendJson(request.res, 200, {
    messageId: result.messageId,
    threadId: result.threadId,
    deliveredTo: result.deliveredTo,
  });
}

function recentOf(request: RouteRequest): number {
  return queryInt(request.query.get("recent"), RECENT_DEFAULT, 1, RECENT_MAX);
}

/** The agent a thread route is asked as: `as` is required (404 without it, revealing nothing). */
function threadReader(parts: MailboxServerParts, request: RouteRequest): string {
  const as = request.query.get("as");
  if (as === null || as === "")
    throw new AgentwireError("not_found", "thread not found", Code.NotFound);
  return parts.auth.actAs(request.caller, as, "as");
}

/** `POST /agents/register`: 201 `{agentId, created}`; in token mode the administrator also gets the agent's token once. */
export const registerRoute: RouteHandler = async (parts, request) => {
  const input = await body(parts, request);
  const agentId = requiredString(input, "agentId");
  sendJson(request.res, 201, await registerAgent(parts, request.caller, agentId, "agentId"));
};

/** `POST /messages/send`: 200 `{messageId, threadId, deliveredTo}`. */
export const sendRoute: RouteHandler = async (parts, request) => {
  const input = await body(parts, request);
  const from = parts.auth.actAs(request.caller, requiredString(input, "from"), "from");
  const to = recipients(input, "to");
  const cc = optionalIdList(input, "cc");
  const bcc = optionalIdList(input, "bcc");
  const threadId = optionalString(input, "threadId");
  const replyTo = optionalString(input, "replyTo");
  const contextSnapshot = optionalObject(input, "contextSnapshot");
  const handoff = handoffOf(input);
  const result = await parts.core.send({
    from,
    to,
    payload: payloadOf(input),
    ...(cc !== undefined && { cc }),
    ...(bcc !== undefined && { bcc }),
    ...(threadId !== undefined && threadId !== "" && { threadId }),
    ...(replyTo !== undefined && replyTo !== "" && { replyTo }),
    ...(contextSnapshot !== undefined && { contextSnapshot }),
    ...(handoff !== undefined && { handoff }),
  });
  sendAnswer(request, result);
};

/** `POST /messages/reply-all`: 200 `{messageId, threadId, deliveredTo}`. */
export const replyAllRoute: RouteHandler = async (parts, request) => {
  const input = await body(parts, request);
  const from = parts.auth.actAs(request.caller, requiredString(input, "from"), "from");
  const threadId = requiredString(input, "threadId");
  const contextSnapshot = optionalObject(input, "contextSnapshot");
  const handoff = handoffOf(input);
  const result = await parts.core.replyAll({
    from,
    threadId,
    payload: payloadOf(input),
    ...(contextSnapshot !== undefined && { contextSnapshot }),
    ...(handoff !== undefined && { handoff }),
  });
  sendAnswer(request, result);
};

/** `GET /mailbox/:agentId/unread?recent=N`: 200 `{messages: [ContextFrame]}`, oldest first (empty for an unknown agent). */
export const unreadRoute: RouteHandler = async (parts, request) => {
  const agentId = parts.auth.actAs(request.caller, request.params.agentId as string, "agentId");
  const frames = await parts.core.unread(agentId, { recent: recentOf(request) });
  // Each thread's context is encoded once, however many frames carry it.
  sendJsonChunks(request.res, 200, legacyUnreadChunks(frames));
};

/** `POST /mailbox/:agentId/read {threadId, upToSeq?}`: 200 `{ok: true}`, also for an unknown thread. */
export const readRoute: RouteHandler = async (parts, request) => {
  const agentId = parts.auth.actAs(request.caller, request.params.agentId as string, "agentId");
  const input = await body(parts, request);
  const threadId = requiredString(input, "threadId");
  const rawSeq = input.upToSeq;
  let upToSeq: bigint | undefined;
  if (rawSeq !== undefined && rawSeq !== null) {
    if (typeof rawSeq !== "string" && typeof rawSeq !== "number")
      throw new AgentwireError(
        "invalid_argument",
        "upToSeq must be a delivery sequence",
        Code.InvalidArgument,
      );
    upToSeq = sequenceOf(String(rawSeq), "upToSeq");
  }
  await parts.core.markRead(agentId, threadId, upToSeq === undefined ? {} : { upToSeq });
  sendJson(request.res, 200, { ok: true });
};

/** `GET /mailbox/:agentId?limit=L&offset=O`: 200 `{threads, unreadCount, total, limit, offset}`. */
export const mailboxRoute: RouteHandler = async (parts, request) => {
  const agentId = parts.auth.actAs(request.caller, request.params.agentId as string, "agentId");
  const limit = queryInt(request.query.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX);
  const offset = queryInt(request.query.get("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
  const page = await parts.core.mailbox(agentId, { limit, offset });
  sendJson(request.res, 200, {
    threads: page.threads.map(legacyThread),
    unreadCount: page.unreadCount,
    total: page.total,
    limit,
    offset,
  });
};

/** `GET /threads/:threadId?as=AGENT`: 200 `{thread}`; 404 for a non-participant. */
export const threadRoute: RouteHandler = async (parts, request) => {
  const as = threadReader(parts, request);
  const thread = await parts.core.thread(request.params.threadId as string, as);
  sendJson(request.res, 200, { thread: legacyThread(thread) });
};

/** `GET /threads/:threadId/sync?as=AGENT&recent=N`: 200 `{context}`; 404 for a non-participant. */
export const syncRoute: RouteHandler = async (parts, request) => {
  const as = threadReader(parts, request);
  const context = await parts.core.sync(request.params.threadId as string, as, {
    recent: recentOf(request),
  });
  sendJson(request.res, 200, { context: legacyContext(context) });
};

/** `GET /threads/:threadId/participants?as=AGENT`: 200 `{participants}`; 404 for a non-participant. */
export const participantsRoute: RouteHandler = async (parts, request) => {
  const as = threadReader(parts, request);
  const participants = await parts.core.participants(request.params.threadId as string, as);
  sendJson(request.res, 200, {
    participants: participants.map((p) => ({
      agentId: p.agentId,
      role: p.role,
      joinedAt: p.joinedAt,
    })),
  });
};

/** `GET /health`: 200 `{ok: true, store}` while the store answers, else 503 `{ok: false, store, detail?}`; never needs auth. */
export const healthRoute: RouteHandler = async (parts, request) => {
  if (parts.shutdown.aborted) {
    sendJson(request.res, 503, { ok: false, store: "closing" });
    return;
  }
  let health: { ok: boolean; store: string; detail?: string };
  try {
    health = await parts.core.health();
  } catch {
    health = { ok: false, store: "unknown", detail: "the store did not answer" };
  }
  sendJson(request.res, health.ok ? 200 : 503, health);
};
