/**
 * `createMailboxServer`: the mailbox on one port, serving the typed
 * `MailboxService` (Connect, gRPC and gRPC-web through connect-node's
 * adapter) and, in the adapter's fallback, the AgentMailbox HTTP routes and
 * their SSE push, all over one core.
 *
 * @module
 */

import { setMaxListeners } from "node:events";
import { Code, type ConnectRouter, type ConnectRouterOptions } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AgentwireError, abortedError } from "../../client/errors.js";
import type { MailboxCore } from "../core/mailbox-types.js";
import { withBrowserGuards } from "./cross-site.js";
import { hideInternals, unexpectedLogger } from "./hide-internals.js";
import { createMailboxAuth } from "./identity.js";
import { createLegacyHandler } from "./legacy-handler.js";
import { createOnePortServer } from "./one-port.js";
import { openMailboxCore } from "./open-core.js";
import type { MailboxServerParts } from "./route-context.js";
import {
  isLoopbackHost,
  type MailboxServerOptions,
  type ResolvedMailboxServerOptions,
  resolveMailboxServerOptions,
} from "./server-options.js";
import { createStreamLimiter } from "./stream-limiter.js";
import { mailboxServiceImpl, registerMailboxService } from "./typed-service.js";
import { createUnaryFastPath } from "./unary-fast-path.js";

/** Where a listening mailbox server is reachable. */
export interface MailboxServerAddress {
  /** The bound host. */
  readonly host: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** The base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
}

/** A mailbox server: listen, serve, drain. */
export interface MailboxServer {
  /** The mailbox core it serves (closed by `close()`). */
  readonly core: MailboxCore;
  /** The resolved options. */
  readonly options: ResolvedMailboxServerOptions;
  /** The address once listening, else undefined. */
  readonly address: MailboxServerAddress | undefined;
  /** Push streams (SSE and Watch) open now. */
  readonly openStreams: number;
  /** The typed service's routes, as served (for an in-memory transport, as the test mailbox uses). */
  readonly routes: (router: ConnectRouter) => void;
  /** The router options served with them (interceptors: unexpected errors hide internals). */
  readonly routerOptions: ConnectRouterOptions;
  /** Binds the port; `signal` aborts a listen that has not completed. */
  listen(options?: { signal?: AbortSignal }): Promise<MailboxServerAddress>;
  /** Drains: stops accepting, ends push streams, waits for the connections, then closes the core. */
  close(): Promise<void>;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

/** Opens the store named by `db` (or takes `core`) and creates a server for it; call `listen()` next. */
export async function createMailboxServer(
  options: MailboxServerOptions = {},
): Promise<MailboxServer> {
  const opts = resolveMailboxServerOptions(options);
  const core = opts.core ?? (await openMailboxCore(opts.db, opts.coreSettings, opts.storeSettings));
  const shutdown = new AbortController();
  // Connect links every call's signal to this one: one listener per call in
  // flight, bounded by the connection and stream limits, not a leak.
  setMaxListeners(0, shutdown.signal);
  const parts: MailboxServerParts = {
    core,
    auth: createMailboxAuth(opts.auth, core, opts.adminKey),
    options: opts,
    streams: createStreamLimiter(opts.maxConcurrentStreams, opts.maxWatchersPerAgent),
    shutdown: shutdown.signal,
  };
  const impl = mailboxServiceImpl(parts);
  const routes = (router: ConnectRouter) => registerMailboxService(router, impl);
  const log = unexpectedLogger(opts.onLog);
  const routerOptions: ConnectRouterOptions = { interceptors: [hideInternals(log)] };
  const fastPath = createUnaryFastPath(impl, {
    readMaxBytes: opts.maxBodyBytes,
    shutdownSignal: shutdown.signal,
    log,
  });
  const handler = connectNodeAdapter({
    ...routerOptions,
    routes,
    fallback: createLegacyHandler(parts),
    readMaxBytes: opts.maxBodyBytes,
    shutdownSignal: shutdown.signal,
  });
  const served: typeof handler = (req, res) => {
    if (!fastPath(req, res)) handler(req, res);
  };
  const guarded = withBrowserGuards(served, opts.auth === "open");
  const listener = createOnePortServer(guarded, {
    firstBytesTimeoutMs: opts.firstBytesTimeoutMs,
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
  });
  let address: MailboxServerAddress | undefined;
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    shutdown.abort();
    await listener.drain(opts.drainTimeoutMs);
    await core.close();
    opts.onLog("mailbox stopped");
  }

  const server: MailboxServer = {
    core,
    options: opts,
    routes,
    routerOptions,
    get address() {
      return address;
    },
    get openStreams() {
      return parts.streams.open;
    },
    async listen({ signal } = {}) {
      if (address !== undefined) return address;
      if (closing !== undefined)
        throw new AgentwireError("unavailable", "the mailbox server is closed", Code.Unavailable);
      if (signal?.aborted) throw abortedError("listen", signal);
      const bound = await listener.listen(opts.port, opts.host);
      address = { host: opts.host, port: bound.port, url: urlOf(opts.host, bound.port) };
      if (signal?.aborted) {
        await server.close();
        throw abortedError("listen", signal);
      }
      if (!isLoopbackHost(opts.host))
        opts.onLog(
          `warning: the mailbox listens on ${opts.host}, reachable from other machines; anyone who can reach it needs an agent token, and the traffic is not encrypted (put TLS in front)`,
        );
      return address;
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
  return server;
}
