import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type IncomingMessage, request } from "node:http";
import type { Socket } from "node:net";
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

  it("by default the server announces a keep-alive timeout well above the client's idle timeout", async () => {
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
});
