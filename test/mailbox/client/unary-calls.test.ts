import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "agentwire";
import { createMailbox, type Mailbox } from "agentwire/mailbox";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../helpers/step.js";
import { type RunningServer, startServer } from "./support/server.js";

/** A TCP listener on 127.0.0.1: a relay to `target` counting the bytes it answers, or (no target) a peer that reads and never answers. */
async function startTcp(target?: string): Promise<{
  url: string;
  answered: () => number;
  requests: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let answered = 0;
  let requests = 0;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    client.on("data", () => requests++);
    if (target === undefined) return;
    const { hostname, port } = new URL(target);
    const up = connect(Number(port), hostname);
    sockets.add(up);
    up.on("close", () => {
      sockets.delete(up);
      client.destroy();
    });
    up.on("error", () => up.destroy());
    client.on("close", () => up.destroy());
    up.on("data", (c: Buffer) => {
      answered += c.length;
      client.write(c);
    });
    client.on("data", (c: Buffer) => up.write(c));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    answered: () => answered,
    requests: () => requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("the typed client's unary calls over HTTP/1.1", () => {
  let server: RunningServer | undefined;
  const clients: Mailbox[] = [];
  const tcp: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    for (const t of tcp) await t.close();
    tcp.length = 0;
    await server?.close();
    server = undefined;
  });
  const mailbox = (options: Parameters<typeof createMailbox>[0]) => {
    const m = createMailbox(options);
    clients.push(m);
    return m;
  };
  const fill = async (reader: string, n: number) => {
    const sender = mailbox({ agentId: "filler@t", baseUrl: (server as RunningServer).url });
    for (let i = 0; i < n; i++)
      await sender.send(reader, { text: `note ${i}: the same words again and again`, i });
  };

  it("accepts a gzip answer and decodes it: a large listing arrives in fewer bytes than it holds", async () => {
    server = await startServer();
    await fill("gz-reader@t", 200);
    const relay = await startTcp(server.url);
    tcp.push(relay);
    const reader = mailbox({ agentId: "gz-reader@t", baseUrl: relay.url });
    const frames = await reader.unread();
    expect(frames).toHaveLength(200);
    expect(frames[199]?.message.payload).toEqual({
      text: "note 199: the same words again and again",
      i: 199,
    });
    // The same answer asked for without gzip: the relayed one (headers included) is a fraction.
    const id = Buffer.from("gz-reader@t");
    const plain = await fetch(`${server.url}/agentwire.mailbox.v1.MailboxService/Unread`, {
      method: "POST",
      headers: { "content-type": "application/proto", "accept-encoding": "identity" },
      body: Buffer.concat([Buffer.from([0x0a, id.length]), id]),
    });
    const plainBytes = (await plain.arrayBuffer()).byteLength;
    expect(plain.status).toBe(200);
    expect(relay.answered()).toBeLessThan(plainBytes / 3);
  });

  it("refuses an answer over readMaxBytes with a typed too_large error, and the next call works", async () => {
    server = await startServer();
    await fill("big-reader@t", 50);
    const reader = mailbox({ agentId: "big-reader@t", baseUrl: server.url, readMaxBytes: 600 });
    const error = await reader.unread().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("too_large");
    expect((error as AgentwireError).code).toBe(Code.ResourceExhausted);
    expect((error as AgentwireError).rawMessage).toMatch(/^unread: .*readMaxBytes 600/);
    const receipt = await reader.send("someone@t", { small: true });
    expect(receipt.deliveredTo).toEqual(["someone@t"]);
  });

  it("an abort while the server has not answered rejects at once with reason aborted", async () => {
    const silent = await startTcp();
    tcp.push(silent);
    const m = mailbox({ agentId: "ab@t", baseUrl: silent.url, timeoutMs: 0 });
    const controller = new AbortController();
    const sent = m.send("x@t", { n: 1 }, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => silent.requests() > 0, "the request to reach the peer");
    controller.abort();
    const error = await sent;
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("aborted");
    expect((error as AgentwireError).rawMessage).toMatch(/^send: /);
  });

  it("a deadline on a server that never answers rejects with reason timeout", async () => {
    const silent = await startTcp();
    tcp.push(silent);
    const m = mailbox({ agentId: "to@t", baseUrl: silent.url });
    const error = await m.unread({ timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("timeout");
    expect(silent.requests()).toBeGreaterThan(0);
  });

  it("a refused connection is rpc_failed with code Unavailable (retryable for reads)", async () => {
    const gone = await startTcp();
    const url = gone.url;
    await gone.close();
    const m = mailbox({ agentId: "rf@t", baseUrl: url, readAttempts: 1 });
    const error = await m.send("x@t", { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("rpc_failed");
    expect((error as AgentwireError).code).toBe(Code.Unavailable);
  });

  it("a server's refusal keeps its code and message (an unknown thread)", async () => {
    server = await startServer();
    const m = mailbox({ agentId: "nf@t", baseUrl: server.url });
    const error = await m.thread("no-such-thread").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("not_found");
    expect((error as AgentwireError).code).toBe(Code.NotFound);
    expect((error as AgentwireError).rawMessage).toMatch(/^thread: .*no-such-thread/);
  });
});
