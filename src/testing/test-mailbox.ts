import { createRouterTransport, type Transport } from "@connectrpc/connect";
import { assertArgument } from "../client/errors.js";
import type { JsonObject, JsonValue, Seq } from "../mailbox/client/mail-types.js";
import { createMailbox, type Mailbox } from "../mailbox/client/mailbox-client.js";
import type { MailboxOptions } from "../mailbox/client/mailbox-options.js";
import type { MailMessage } from "../mailbox/core/mailbox-types.js";
import type { MailboxServer } from "../mailbox/server/mailbox-server.js";
import type { MailboxServerOptions } from "../mailbox/server/server-options.js";
import { FakeSidecarError } from "./fake-errors.js";
import { pollUntil, waitForDelivery } from "./mailbox-waits.js";
import type { WaitOptions } from "./waiters.js";

/** Options of `createTestMailbox`. */
export interface TestMailboxOptions {
  /** The default bound of every wait, in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Also serve on a real port (127.0.0.1, any free port unless given): for agents in other processes or the HTTP routes. */
  listen?: boolean | { port?: number };
  /** Server options besides storage and address (auth mode, limits, heartbeats). */
  server?: Omit<MailboxServerOptions, "db" | "core" | "host" | "port">;
}

/** Which deliveries a wait accepts. */
export interface DeliveryMatch {
  /** Sent by this agent. */
  from?: string;
  /** In this thread. */
  threadId?: string;
  /** Only deliveries after this sequence (default 0: every delivery, past or future). */
  after?: Seq;
  /** Any further condition on the message. */
  where?: (message: MailMessage) => boolean;
}

/** Options of `waitForDelivery`. */
export interface WaitForDeliveryOptions extends WaitOptions {
  /** What the wait is for, in its timeout message (default: said from the match). */
  what?: string;
}

/** A delivery as the recipient sees it, found by a wait. */
export interface TestDelivery {
  /** The recipient's delivery sequence. */
  seq: Seq;
  /** The thread. */
  threadId: string;
  /** The message as the recipient sees it. */
  message: MailMessage;
}

/**
 * An in-memory mailbox server with the real semantics (the server's own
 * code over a `:memory:` SQLite store) for tests of multi-agent flows: agents
 * talk to it through Connect's in-memory transport, no port unless asked.
 */
export interface TestMailbox {
  /** The base URL when listening (`listen` option), else undefined. */
  readonly url: string | undefined;
  /** The in-memory transport of the typed service (what `agent()` uses). */
  readonly transport: Transport;
  /** The server itself (its core, its options). */
  readonly server: MailboxServer;
  /** A typed client acting for `agentId` over the in-memory transport; closed by `close()`. */
  agent<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject>(
    agentId: string,
    options?: Omit<MailboxOptions<P>, "agentId" | "baseUrl" | "transport">,
  ): Mailbox<P, S>;
  /**
   * Waits for the first delivery to `agentId` that matches (those made
   * already count): fails with reason "timeout" naming what it waited for.
   */
  waitForDelivery(
    agentId: string,
    match?: DeliveryMatch,
    options?: WaitForDeliveryOptions,
  ): Promise<TestDelivery>;
  /**
   * Waits until `condition` (which may call the mailbox, e.g. an agent's
   * `unread()`) answers true, checking every 10 ms; fails with reason
   * "timeout" naming `options.what`.
   */
  waitUntil(
    condition: () => boolean | Promise<boolean>,
    options?: WaitForDeliveryOptions,
  ): Promise<void>;
  /** Closes the clients, fails pending waits with reason "closed", and closes the server. */
  close(): Promise<void>;
}

/**
 * Creates a test mailbox. The server code and its SQLite driver load here,
 * on the first call, so `import "agentwire/testing"` alone loads neither.
 */
export async function createTestMailbox(options: TestMailboxOptions = {}): Promise<TestMailbox> {
  const timeoutMs = options.timeoutMs ?? 5000;
  assertArgument(
    typeof timeoutMs === "number" && timeoutMs > 0,
    `createTestMailbox: timeoutMs must be a number above 0, got ${String(timeoutMs)}`,
  );
  const { createTestMailboxServer } = await import("./test-mailbox-server.js");
  const listen = options.listen === true ? {} : options.listen || undefined;
  const served = await createTestMailboxServer({
    ...options.server,
    host: "127.0.0.1",
    port: listen?.port ?? 0,
  });
  const server = served.server;
  const url = listen === undefined ? undefined : (await server.listen()).url;
  const transport = createRouterTransport(served.routes, { router: served.routerOptions });
  const clients = new Set<Mailbox<never, never>>();
  const waits = new Set<(error: Error) => void>();
  let closed = false;
  return {
    url,
    transport,
    server,
    agent<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject>(
      agentId: string,
      agentOptions?: Omit<MailboxOptions<P>, "agentId" | "baseUrl" | "transport">,
    ) {
      const client = createMailbox<P, S>({ ...agentOptions, agentId, transport });
      clients.add(client as never);
      return client;
    },
    waitForDelivery(agentId, match = {}, waitOptions = {}) {
      if (closed) return Promise.reject(closedError());
      return waitForDelivery(server.core, agentId, match, {
        timeoutMs: waitOptions.timeoutMs ?? timeoutMs,
        signal: waitOptions.signal,
        what: waitOptions.what ?? describeMatch(agentId, match),
        register: (fail) => {
          waits.add(fail);
          return () => waits.delete(fail);
        },
      });
    },
    waitUntil(condition, waitOptions = {}) {
      if (closed) return Promise.reject(closedError());
      return pollUntil(condition, {
        timeoutMs: waitOptions.timeoutMs ?? timeoutMs,
        signal: waitOptions.signal,
        what: waitOptions.what ?? "a condition",
        register: (fail) => {
          waits.add(fail);
          return () => waits.delete(fail);
        },
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const fail of [...waits]) fail(closedError());
      for (const c of clients) c.close();
      await served.close();
    },
  };
}

function closedError(): FakeSidecarError {
  return new FakeSidecarError("closed", "the test mailbox is closed");
}

function describeMatch(agentId: string, match: DeliveryMatch): string {
  const parts = [`a delivery to ${agentId}`];
  if (match.from !== undefined) parts.push(`from ${match.from}`);
  if (match.threadId !== undefined) parts.push(`in thread ${match.threadId}`);
  if (match.after !== undefined) parts.push(`after seq ${match.after}`);
  if (match.where !== undefined) parts.push("matching the condition");
  return parts.join(" ");
}
