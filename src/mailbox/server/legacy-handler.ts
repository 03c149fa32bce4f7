/**
 * The request handler of the AgentMailbox routes: the route table, then for
 * each request the path match, authentication, the handler, and the error
 * answer from the one mapping in `http-status.ts`. Unknown routes are 404.
 * (The browser guards run before, for the typed service too: `cross-site.ts`.)
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { unexpectedLogger } from "./hide-internals.js";
import { type NodeRequest, type NodeResponse, sendError } from "./http-status.js";
import {
  healthRoute,
  mailboxRoute,
  participantsRoute,
  readRoute,
  registerRoute,
  replyAllRoute,
  sendRoute,
  syncRoute,
  threadRoute,
  unreadRoute,
} from "./legacy-routes.js";
import type { MailboxServerParts, RouteHandler } from "./route-context.js";
import { pathSegments, type RoutePattern, routePattern } from "./route-path.js";
import { eventsRoute } from "./sse-events.js";

/** One AgentMailbox route. */
interface Route {
  readonly method: "GET" | "POST";
  readonly path: RoutePattern;
  readonly handler: RouteHandler;
  /** Answered without authentication. */
  readonly open?: boolean;
}

function route(method: Route["method"], path: string, handler: RouteHandler, open = false): Route {
  return { method, path: routePattern(path), handler, open };
}

/** The AgentMailbox routes, in match order. */
const ROUTES: readonly Route[] = [
  route("GET", "/health", healthRoute, true),
  route("POST", "/agents/register", registerRoute),
  route("POST", "/messages/send", sendRoute),
  route("POST", "/messages/reply-all", replyAllRoute),
  route("GET", "/mailbox/:agentId/unread", unreadRoute),
  route("POST", "/mailbox/:agentId/read", readRoute),
  route("GET", "/mailbox/:agentId/events", eventsRoute),
  route("GET", "/mailbox/:agentId", mailboxRoute),
  route("GET", "/threads/:threadId", threadRoute),
  route("GET", "/threads/:threadId/sync", syncRoute),
  route("GET", "/threads/:threadId/participants", participantsRoute),
];

/** Creates the handler of the AgentMailbox routes (the typed service's fallback). */
export function createLegacyHandler(
  parts: MailboxServerParts,
): (req: NodeRequest, res: NodeResponse) => void {
  const onUnexpected = unexpectedLogger(parts.options.onLog);

  async function handle(req: NodeRequest, res: NodeResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://mailbox.invalid");
    const segments = pathSegments(url.pathname);
    const method = req.method === "HEAD" ? "GET" : req.method;
    let found: { route: Route; params: Record<string, string> } | undefined;
    for (const r of ROUTES) {
      if (r.method !== method) continue;
      const params = r.path.match(segments);
      if (params !== undefined) {
        found = { route: r, params };
        break;
      }
    }
    if (found === undefined)
      throw new AgentwireError(
        "not_found",
        `no route ${req.method ?? "?"} ${url.pathname}`,
        Code.NotFound,
      );
    const caller = found.route.open
      ? ({ kind: "claimed" } as const)
      : await parts.auth.authenticate(req.headers.authorization);
    await found.route.handler(parts, {
      req,
      res,
      params: found.params,
      query: url.searchParams,
      caller,
    });
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const unread = error instanceof AgentwireError && error.reason === "too_large";
      // The rest of an oversized body is not read: that HTTP/1.1 connection cannot carry another request.
      if (unread && req.httpVersionMajor === 1 && !res.headersSent)
        res.setHeader("connection", "close");
      sendError(res, error, onUnexpected);
    });
  };
}
