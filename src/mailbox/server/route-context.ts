/**
 * What every AgentMailbox route handler is given: the parts of the server it
 * uses and the parsed request.
 *
 * @module
 */
import type { MailboxCore } from "../core/mailbox-types.js";
import type { NodeRequest, NodeResponse } from "./http-status.js";
import type { MailboxAuth, MailboxCaller } from "./identity.js";
import type { ResolvedMailboxServerOptions } from "./server-options.js";
import type { StreamLimiter } from "./stream-limiter.js";

/** The parts of a mailbox server the routes and the typed service share. */
export interface MailboxServerParts {
  /** The mailbox core. */
  readonly core: MailboxCore;
  /** Authentication of callers. */
  readonly auth: MailboxAuth;
  /** The resolved options. */
  readonly options: ResolvedMailboxServerOptions;
  /** Bounds on the push streams. */
  readonly streams: StreamLimiter;
  /** Aborted when the server starts draining: push streams end. */
  readonly shutdown: AbortSignal;
}

/** One request as a route handler sees it. */
export interface RouteRequest {
  /** The node request. */
  readonly req: NodeRequest;
  /** The node response. */
  readonly res: NodeResponse;
  /** The decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The query parameters. */
  readonly query: URLSearchParams;
  /** The authenticated caller (routes that need no auth get `claimed`). */
  readonly caller: MailboxCaller;
}

/** A route handler: answers the request (or throws an AgentwireError that becomes the answer). */
export type RouteHandler = (parts: MailboxServerParts, request: RouteRequest) => Promise<void>;
