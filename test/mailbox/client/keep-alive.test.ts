import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createMailbox, type Mailbox, resolveMailboxOptions } from "agentwire/mailbox";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../helpers/step.js";
import { type RunningServer, startServer } from "./support/server.js";

/**
 * The race behind "send: write EPIPE / read ECONNRESET" under load: the
 * server drops an idle keep-alive connection at its timeout just as the
 * client reuses it for a send (which is not retried: it is not idempotent).
 * The test provokes the moment deterministically: it sends the second
 * message synchronously from the server's own socket event, before the
 * client can have read the server's FIN.
 */
describe("keep-alive connections and the server's idle timeout", () => {
  let server: RunningServer | undefined;
  const clients: Mailbox[] = [];
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    await server?.close();
    server = undefined;
  });

  it("the client closes an idle connection before the server does, so a send at the server's timeout succeeds", async () => {
    server = await startServer({ keepAliveTimeoutMs: 2000 });
    const port = Number(new URL(server.url).port);
    const sender = createMailbox({
      agentId: "ka-sender@t",
      baseUrl: server.url,
      socketIdleTimeoutMs: 100,
    });
    clients.push(sender);
    const accepted: Socket[] = [];
    const onSocket = (message: unknown) => {
      const socket = (message as { socket: Socket }).socket;
      if (socket.localPort === port) accepted.push(socket);
    };
    subscribe("net.server.socket", onSocket);
    try {
      await sender.send("ka-reader@t", { n: 1 });
      expect(accepted).toHaveLength(1);
      const connection = accepted[0] as Socket;
      let ended: "server timed it out" | "it closed" | undefined;
      let second: Promise<unknown> | undefined;
      const sendNow = (why: typeof ended) => {
        if (ended !== undefined) return;
        ended = why;
        // Synchronously, in the server's own event: the client has not read the FIN yet.
        second = sender.send("ka-reader@t", { n: 2 }).then(
          (receipt) => receipt.deliveredTo,
          (e: unknown) => e,
        );
      };
      connection.once("timeout", () => sendNow("server timed it out"));
      connection.once("close", () => sendNow("it closed"));
      await until(() => ended !== undefined, "the first connection to end", 10_000);
      expect(await second).toEqual(["ka-reader@t"]);
      // The client, not the server's keep-alive timer, ended the idle connection.
      expect(ended).toBe("it closed");
      expect(accepted).toHaveLength(2);
    } finally {
      unsubscribe("net.server.socket", onSocket);
    }
  });

  it("by default the server announces its 30 s keep-alive timeout; without a hint the client's idle timeout is 4 s", async () => {
    server = await startServer();
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${server?.url}/health`, { agent: false }, resolve);
      req.once("error", reject);
      req.setHeader("connection", "keep-alive");
      req.end();
    });
    res.resume();
    await new Promise((resolve) => res.once("end", resolve));
    expect(res.headers["keep-alive"]).toBe("timeout=30");
    expect(resolveMailboxOptions({ agentId: "a@t", baseUrl: server.url }).socketIdleTimeoutMs).toBe(
      4000,
    );
  });

  /** Sends once from a new client and answers the idle timeout its connection was left with. */
  const idleTimeoutAfterOneCall = async (
    url: string,
    options: { socketIdleTimeoutMs?: number; socketIdleMaxMs?: number } = {},
  ): Promise<number | undefined> => {
    const port = Number(new URL(url).port);
    const opened: Socket[] = [];
    const onSocket = (message: unknown) => opened.push((message as { socket: Socket }).socket);
    subscribe("net.client.socket", onSocket);
    const client = createMailbox({ agentId: "ka-idle@t", baseUrl: url, ...options });
    clients.push(client);
    try {
      await client.send("ka-reader@t", { n: 1 }).catch(() => undefined);
    } finally {
      unsubscribe("net.client.socket", onSocket);
    }
    const sockets = opened.filter((socket) => socket.remotePort === port);
    expect(sockets).toHaveLength(1);
    const socket = sockets[0] as Socket;
    // The agent sets the timeout when it takes the finished socket back.
    await until(() => socket.timeout !== undefined && socket.timeout > 0, "the socket to be idle");
    return socket.timeout;
  };

  it("follows the server's Keep-Alive hint up as well as down: 30 s announced, kept 29 s idle", async () => {
    server = await startServer();
    expect(await idleTimeoutAfterOneCall(server.url)).toBe(29_000);
    expect(await idleTimeoutAfterOneCall(server.url, { socketIdleMaxMs: 10_000 })).toBe(10_000);
    // A socketIdleTimeoutMs of the caller's own caps what a hint may raise it to.
    expect(await idleTimeoutAfterOneCall(server.url, { socketIdleTimeoutMs: 1500 })).toBe(1500);
  });

  it("without a Keep-Alive hint, an idle connection is kept socketIdleTimeoutMs (4000 by default)", async () => {
    // A server that announces nothing (keepAliveTimeout 0) and refuses every call.
    const bare = createServer((req, res) => {
      req.resume();
      req.once("end", () => {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"code":"not_found","message":"nothing here"}');
      });
    });
    bare.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    try {
      expect(await idleTimeoutAfterOneCall(url)).toBe(4000);
      expect(await idleTimeoutAfterOneCall(url, { socketIdleTimeoutMs: 1500 })).toBe(1500);
    } finally {
      for (const c of clients) c.close();
      clients.length = 0;
      bare.closeAllConnections();
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});
