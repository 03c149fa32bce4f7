/**
 * The server half of the test mailbox, loaded only by `createTestMailbox`
 * (a dynamic import), so `agentwire/testing` alone loads no server code and no
 * SQLite driver: the mailbox server over `:memory:`, and its typed service as
 * Connect routes for an in-memory transport.
 *
 * @module
 */
import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import { createMailboxServer, type MailboxServer } from "../mailbox/server/mailbox-server.js";
import type { MailboxServerOptions } from "../mailbox/server/server-options.js";

/** A mailbox server and the Connect routes of its typed service (the same code it serves on a port). */
export interface TestMailboxServer {
  /** The server (its core and options; `listen()` for a real port). */
  readonly server: MailboxServer;
  /** The typed service's routes over the server's core, for `createRouterTransport`. */
  readonly routes: (router: ConnectRouter) => void;
  /** The router options the server uses (its interceptors: unexpected errors hide internals). */
  readonly routerOptions: ConnectRouterOptions;
  /** Ends the push streams (in memory and on a port), then closes the server. */
  close(): Promise<void>;
}

/** Creates the mailbox server on `:memory:` and the routes of its typed service. */
export async function createTestMailboxServer(
  options: MailboxServerOptions,
): Promise<TestMailboxServer> {
  const server = await createMailboxServer({ ...options, db: ":memory:" });
  return {
    server,
    routes: server.routes,
    routerOptions: server.routerOptions,
    close: () => server.close(),
  };
}
