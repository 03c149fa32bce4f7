import { createServer, type Socket } from "node:net";
import { createMailbox, type WatchStateChange } from "agentwire/mailbox";
import { describe, expect, it } from "vitest";
import { deferred, Inbox, until } from "../../helpers/step.js";
import { freePort } from "./support/mailbox-process.js";
import { startServer } from "./support/server.js";

/** Runs a watch to its end, answering how it ended. */
async function drain(iterable: AsyncIterable<unknown>): Promise<{ ok: boolean; error?: unknown }> {
  try {
    for await (const _ of iterable) {
      // nothing to do: these tests only abort
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

describe("aborting a watch at each phase (real sockets)", () => {
  it("before start: no stream is opened and the iteration ends at once", async () => {
    const server = await startServer();
    const m = createMailbox({ agentId: "a@abort", baseUrl: server.url });
    try {
      const ac = new AbortController();
      ac.abort();
      const watch = m.watch({ signal: ac.signal });
      expect(await drain(watch)).toEqual({ ok: true });
      expect(watch.state).toBe("closed");
      expect(server.openStreams()).toBe(0);
    } finally {
      m.close();
      await server.close();
    }
  });

  it("while connecting: a server that accepts and never answers; the request is cancelled", async () => {
    const sockets = new Set<Socket>();
    const connected = deferred<Socket>();
    const closed = deferred();
    const silent = createServer((s) => {
      sockets.add(s);
      connected.resolve(s);
      s.on("close", () => {
        sockets.delete(s);
        closed.resolve();
      });
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    const m = createMailbox({ agentId: "a@abort", baseUrl: `http://127.0.0.1:${port}` });
    try {
      const ac = new AbortController();
      const watch = m.watch({ signal: ac.signal });
      const ended = drain(watch);
      await connected.promise;
      expect(watch.state).toBe("connecting");
      ac.abort();
      expect(await ended).toEqual({ ok: true });
      expect(watch.state).toBe("closed");
      m.close(); // the keep-alive agent lets go of the socket
      await closed.promise;
    } finally {
      m.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("while open: the stream ends on the server too", async () => {
    // The server answers a watch with nothing to replay at its first heartbeat.
    const server = await startServer({ sseHeartbeatMs: 50 });
    const m = createMailbox({ agentId: "b@abort", baseUrl: server.url });
    try {
      const ac = new AbortController();
      const watch = m.watch({ signal: ac.signal });
      const open = new Inbox<WatchStateChange>();
      watch.on("state", (c) => open.push(c));
      const ended = drain(watch);
      expect((await open.nextMatching((c) => c.state === "open", "the open state")).previous).toBe(
        "connecting",
      );
      await until(() => server.openStreams() === 1, "the server to count the watch stream");
      ac.abort();
      expect(await ended).toEqual({ ok: true });
      await until(() => server.openStreams() === 0, "the server to see the watch stream end");
    } finally {
      m.close();
      await server.close();
    }
  });

  it("during backoff: nothing listens; abort ends the wait before the next attempt", async () => {
    const port = await freePort();
    const m = createMailbox({
      agentId: "c@abort",
      baseUrl: `http://127.0.0.1:${port}`,
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    try {
      const ac = new AbortController();
      const watch = m.watch({ signal: ac.signal });
      const reconnecting = new Inbox<WatchStateChange>();
      watch.on("state", (c) => c.state === "reconnecting" && reconnecting.push(c));
      const ended = drain(watch);
      const change = await reconnecting.next("the reconnecting state");
      expect(change.error?.reason).toBe("rpc_failed");
      expect(change.attempt).toBe(1);
      ac.abort();
      expect(await ended).toEqual({ ok: true });
      expect(watch.state).toBe("closed");
    } finally {
      m.close();
    }
  });
});
