import { request } from "node:http";
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { createDevSidecar, DevSidecarOptionError, main } from "agentwire/sidecar";
import { afterEach, describe, expect, it } from "vitest";
import { deferred } from "../helpers/step.js";
import { type Harness, startHarness } from "./support/harness.js";
import { delta, START } from "./support/payloads.js";

// What a hostile page or a greedy client must not get from the dev sidecar.

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("cross-site requests", () => {
  it("refuse a foreign Origin, a cross- or same-site Sec-Fetch-Site, and a simple or missing content type", async () => {
    h = await startHarness();
    const own = h.sidecar.webUrl;
    const id = await h.conversation();
    const post = (path: string, headers: Record<string, string>, body?: string) =>
      h?.web(path, { method: "POST", headers, body }) as Promise<Response>;
    const json = { "content-type": "application/json" };
    const foreign = "http://127.0.0.1:1";
    for (const path of [
      "/api/conversations",
      `/api/conversations/${id}/messages`,
      `/api/conversations/${id}/cancel`,
      `/api/conversations/${id}/renderables/form-1`,
      `/api/conversations/${id}/audio`,
    ]) {
      const byOrigin = await post(path, { ...json, origin: foreign }, "{}");
      expect([path, byOrigin.status]).toEqual([path, 403]);
      expect(await byOrigin.json()).toMatchObject({ error: "cross_site" });
      for (const site of ["cross-site", "same-site"]) {
        const bySite = await post(path, { ...json, "sec-fetch-site": site }, "{}");
        expect([path, site, bySite.status]).toEqual([path, site, 403]);
      }
      for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
        const simple = await post(path, { "content-type": type }, "{}");
        expect([path, type, simple.status]).toEqual([path, type, 415]);
      }
      const bare = await post(path, {});
      expect([path, bare.status]).toEqual([path, 415]);
    }
    // A multipart audio upload (the deployed adapter's form) is let in only when it says it is same-origin.
    const audio = `/api/conversations/${id}/audio`;
    const refusedBy: Record<string, string>[] = [
      { origin: foreign },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of refusedBy) {
      const form = new FormData();
      form.set("audio", new Blob([Uint8Array.of(1)], { type: "audio/webm" }));
      const res = await h.web(audio, { method: "POST", headers, body: form });
      expect([headers, res.status]).toEqual([headers, 403]);
    }
    const unvouched = new FormData();
    unvouched.set("audio", new Blob([Uint8Array.of(1)], { type: "audio/webm" }));
    expect((await h.web(audio, { method: "POST", body: unvouched })).status).toBe(415);
    // The page's own requests pass: same origin, JSON.
    const mine = await post(
      "/api/conversations",
      { ...json, origin: own, "sec-fetch-site": "same-origin" },
      undefined,
    );
    expect(mine.status).toBe(201);
  });
});

describe("paths and conversations", () => {
  it("answers 400, not 500, for malformed percent-encoding", async () => {
    h = await startHarness();
    for (const path of [
      "/api/conversations/%E0%A4%A/history",
      "/api/conversations/%/stream",
      "/api/conversations/abc/renderables/%ZZ",
    ]) {
      const method = path.includes("renderables") ? "POST" : "GET";
      const res = await h.web(path, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? '{"action":"cancel"}' : undefined,
      });
      expect([path, res.status]).toEqual([path, 400]);
      expect(await res.json()).toMatchObject({ error: "bad_path" });
    }
  });

  it("reading a history creates no conversation", async () => {
    h = await startHarness();
    for (let i = 0; i < 50; i++) {
      const res = await h.web(`/api/conversations/never-${i}/history`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ conversation_id: `never-${i}` });
    }
    expect(h.sidecar.conversationCount).toBe(0);
  });

  it("keeps at most maxIdleConversations conversations without a turn, and every one with a turn", async () => {
    h = await startHarness({ maxIdleConversations: 5 });
    const agent = await h.registeredAgent();
    const talked = await h.conversation();
    expect((await h.send(talked, "hi")).status).toBe(200);
    const msg = await agent.nextMessage();
    agent.replyText(talked, msg.responseId, "hello");
    for (let i = 0; i < 20; i++) await h.conversation();
    for (let i = 0; i < 20; i++) await h.post(`/api/conversations/named-${i}/cancel`);
    expect(h.sidecar.conversationCount).toBe(6);
    const history = (await (await h.web(`/api/conversations/${talked}/history`)).json()) as {
      messages: unknown[];
    };
    expect(history.messages.length).toBeGreaterThanOrEqual(1);
  });
});

describe("the audio upload", () => {
  it("is refused with 424 before its body is read when no agent is connected", async () => {
    h = await startHarness();
    const id = await h.conversation();
    const url = new URL(`${h.sidecar.webUrl}/api/conversations/${id}/audio`);
    const answered = deferred<number | undefined>();
    const req = request(url, {
      method: "POST",
      headers: { "content-type": "audio/webm", "content-length": String(1024 * 1024) },
    });
    req.on("response", (res) => {
      res.resume();
      answered.resolve(res.statusCode);
    });
    req.on("error", () => {});
    // Only the first KiB of the declared MiB: a server that read the body first would wait.
    req.write(Buffer.alloc(1024));
    expect(await answered.promise).toBe(424);
    req.destroy();
  });
});

describe("an audio upload in pieces", () => {
  it("reaches the agent byte for byte in 64 KiB chunks, and one over maxAudioBodyBytes is refused with 413", async () => {
    h = await startHarness({ maxAudioBodyBytes: 300_000 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const data = Uint8Array.from({ length: 200_001 }, (_, i) => (i * 31) % 251);
    const upload = (bytes: Uint8Array) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request(new URL(`${h?.sidecar.webUrl}/api/conversations/${id}/audio`), {
          method: "POST",
          headers: { "content-type": "audio/ogg" }, // no content-length: chunked
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on("error", reject);
        // Odd-sized parts, so pieces never line up with the 64 KiB chunks.
        for (let at = 0; at < bytes.length; at += 7777) req.write(bytes.subarray(at, at + 7777));
        req.end();
      });
    expect(await upload(data)).toBe(202);
    await agent.nextMessage();
    const chunks = agent.received.flatMap((f) =>
      f.payload.case === "audioChunk" && !f.payload.value.done ? [f.payload.value.data] : [],
    );
    expect(chunks.map((c) => c.length)).toEqual([65536, 65536, 65536, 3393]);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    const other = await h.conversation();
    const tooBig = await new Promise<number | undefined>((resolve) => {
      const req = request(new URL(`${h?.sidecar.webUrl}/api/conversations/${other}/audio`), {
        method: "POST",
        headers: { "content-type": "audio/ogg" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", () => resolve(undefined));
      for (let i = 0; i < 40; i++) req.write(new Uint8Array(10_000));
      req.end();
    });
    expect(tooBig).toBe(413);
    // The multipart form has the same bound on its audio field (and on the body around it).
    for (const size of [300_001, 400_000]) {
      const form = new FormData();
      form.set("audio", new Blob([new Uint8Array(size)], { type: "audio/ogg" }));
      const res = await h.web(`/api/conversations/${other}/audio`, {
        method: "POST",
        headers: { "sec-fetch-site": "same-origin" },
        body: form,
      });
      expect([size, res.status]).toEqual([size, 413]);
    }
    const fits = new FormData();
    fits.set("audio", new Blob([new Uint8Array(300_000)], { type: "audio/ogg" }));
    const ok = await h.web(`/api/conversations/${other}/audio`, {
      method: "POST",
      headers: { "sec-fetch-site": "same-origin" },
      body: fits,
    });
    expect(ok.status).toBe(202);
  });
});

/** A raw HTTP/1.1 SSE request whose socket the test pauses: a reader that stopped reading. */
function pausedReader(webUrl: string, path: string) {
  const { hostname, port } = new URL(webUrl);
  const socket: Socket = connectTcp(Number(port), hostname);
  const closed = deferred<void>();
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("close", () => closed.resolve());
  socket.on("error", () => {});
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  return { socket, closed: closed.promise, text: () => Buffer.concat(chunks).toString("utf8") };
}

describe("a paused SSE reader", () => {
  it("is dropped once its backlog passes maxSseBacklogBytes, and resumes with Last-Event-ID without a gap", async () => {
    h = await startHarness({ maxSseBacklogBytes: 64 * 1024, resumeBufferEvents: 5000 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const reader = pausedReader(h.sidecar.webUrl, `/api/conversations/${id}/stream`);
    const live = await h.sse(id);
    expect((await h.send(id, "stream a lot")).status).toBe(200);
    const msg = await agent.nextMessage();
    reader.socket.pause();
    const piece = (i: number) => `${String(i).padStart(5, "0")}${"x".repeat(16 * 1024)}|`;
    const count = 1500; // about 25 MB: more than the kernel buffers of a loopback socket
    agent.reply(id, msg.responseId, START);
    for (let i = 0; i < count; i++) agent.reply(id, msg.responseId, delta(piece(i)));
    await live.next((e) => e.event === "chunk" && String(e.data.content).startsWith("01499"));
    await h.log(/dropped an event stream of conversation/);
    // The dropped reader reads what reached it, then resumes after its last
    // complete event, as a browser does.
    reader.socket.resume();
    await reader.closed;
    const complete = reader.text().split("\n\n").slice(0, -1);
    let lastId = 0;
    const received: number[] = [];
    for (const block of complete) {
      const eventId = /^id: (\d+)$/m.exec(block);
      if (eventId) lastId = Number(eventId[1]);
      const content = /"content":"(\d{5})x+\|"/.exec(block);
      if (content) received.push(Number(content[1]));
    }
    expect(received.length).toBeLessThan(count);
    const resumed = await h.sse(id, lastId);
    const rest: number[] = [];
    while (rest.at(-1) !== count - 1) {
      const e = await resumed.next((x) => x.event === "chunk" && x.data.chunk_type === "delta");
      rest.push(Number(String(e.data.content).slice(0, 5)));
    }
    // Every piece exactly once, in order, across the two connections.
    expect([...received, ...rest]).toEqual(Array.from({ length: count }, (_, i) => i));
  }, 60_000);
});

describe("the gRPC server", () => {
  it("announces maxConcurrentStreams (default 100) in its HTTP/2 settings", async () => {
    h = await startHarness();
    const session = connectHttp2(h.sidecar.grpcUrl);
    session.on("error", () => {});
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) =>
      session.once("remoteSettings", resolve),
    );
    expect(settings.maxConcurrentStreams).toBe(100);
    await new Promise<void>((resolve) => session.close(() => resolve()));
  });
});

describe("a port in use", () => {
  it("names the option, and the CLI names the flag that picks another port", async () => {
    h = await startHarness();
    await expect(createDevSidecar({ grpcPort: h.sidecar.grpcPort, webPort: 0 })).rejects.toSatisfy(
      (e) => e instanceof DevSidecarOptionError && e.option === "grpcPort",
    );
    for (const [flag, port] of [
      ["--grpc-port", h.sidecar.grpcPort],
      ["--web-port", h.sidecar.webPort],
    ] as const) {
      const errors: string[] = [];
      const other = flag === "--grpc-port" ? "--web-port" : "--grpc-port";
      const code = await main([flag, String(port), other, "0", "--no-agent"], {
        print: () => {},
        printError: (l) => errors.push(l),
      });
      expect(code).toBe(1);
      expect(errors.join("\n")).toMatch(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; pick another with ${flag}`),
      );
    }
  });
});
