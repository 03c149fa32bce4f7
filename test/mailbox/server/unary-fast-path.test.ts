import * as http from "node:http";
import { connect } from "node:http2";
import { gunzipSync, gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  GetThreadRequestSchema,
  RegisterRequestSchema,
  SendRequestSchema,
  UnreadRequestSchema,
} from "agentwire/mailbox-server";
import { afterEach, describe, expect, it } from "vitest";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import { hideInternals } from "../../../src/mailbox/server/hide-internals.js";
import { createUnaryFastPath } from "../../../src/mailbox/server/unary-fast-path.js";
import { startMailbox, type TestMailbox } from "../mailbox-harness.js";

/** What a test compares of an answer: status, the headers that carry meaning, and the body (gunzipped). */
interface Answer {
  status: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  body: Buffer;
}

function answerOf(status: number, headers: Record<string, unknown>, raw: Buffer): Answer {
  const encoding = headers["content-encoding"] as string | undefined;
  return {
    status,
    contentType: headers["content-type"] as string | undefined,
    contentEncoding: encoding,
    body: encoding === "gzip" ? gunzipSync(raw) : raw,
  };
}

/** One POST over HTTP/1.1: the typed service's fast path for binary unary calls. */
function postH1(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false });
    const req = http.request(new URL(path, url), { method: "POST", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve(answerOf(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The same POST over h2c: served by connect-node's adapter, the reference the fast path must match. */
function postH2(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = connect(url);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, ...headers });
    let head: Record<string, unknown> = {};
    stream.on("response", (h) => {
      head = h;
    });
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolve(answerOf(Number(head[":status"]), head, Buffer.concat(chunks)));
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

const path = (method: string) => `/agentwire.mailbox.v1.MailboxService/${method}`;
const proto = { "content-type": "application/proto", "connect-protocol-version": "1" };

describe("the typed service's HTTP/1.1 fast path answers as connect-node's adapter does", () => {
  let mailbox: TestMailbox | undefined;
  afterEach(async () => {
    await mailbox?.close();
    mailbox = undefined;
  });
  const both = async (method: string, headers: Record<string, string>, body: Uint8Array) => {
    const url = (mailbox as TestMailbox).url;
    const h1 = await postH1(url, path(method), headers, body);
    const h2 = await postH2(url, path(method), headers, body);
    return { h1, h2 };
  };

  it("a send: 200, application/proto, and a SendResponse of the same shape", async () => {
    mailbox = await startMailbox();
    const send = toBinary(
      SendRequestSchema,
      create(SendRequestSchema, { sender: "fp-a@t", to: ["fp-b@t"] }),
    );
    const { h1, h2 } = await both("Send", proto, send);
    expect(h1.status).toBe(200);
    expect(h1.contentType).toBe(h2.contentType);
    expect(h1.contentEncoding).toBe(h2.contentEncoding);
    // The two answers name different message ids and seqs; their sizes and field layout agree.
    expect(h1.body.length).toBe(h2.body.length);
  });

  it("a large answer: gzip when accepted, uncompressed when not, the same bytes as the adapter's", async () => {
    mailbox = await startMailbox();
    const text = "a finding worth reading, ".repeat(40);
    for (let i = 0; i < 5; i++)
      await mailbox.server.core.send({ from: "fp-w@t", to: "fp-r@t", payload: { text, i } });
    const unread = toBinary(
      UnreadRequestSchema,
      create(UnreadRequestSchema, { agentId: "fp-r@t" }),
    );
    const gz = await both("Unread", { ...proto, "accept-encoding": "gzip" }, unread);
    expect(gz.h1.contentEncoding).toBe("gzip");
    expect(gz.h1).toEqual(gz.h2);
    const plain = await both("Unread", proto, unread);
    expect(plain.h1.contentEncoding).toBeUndefined();
    expect(plain.h1).toEqual(plain.h2);
    expect(plain.h1.body).toEqual(gz.h1.body);
  });

  it("a refusal: the same status, content type and error JSON", async () => {
    mailbox = await startMailbox();
    const request = toBinary(
      GetThreadRequestSchema,
      create(GetThreadRequestSchema, { agentId: "fp-a@t", threadId: "no-such-thread" }),
    );
    const { h1, h2 } = await both("GetThread", proto, request);
    expect(h1.status).toBe(404);
    expect(h1.contentType).toBe("application/json");
    expect(h1).toEqual(h2);
    expect(JSON.parse(h1.body.toString())).toMatchObject({ code: "not_found" });
  });

  it("a body that is not the message: the adapter's answer (INTERNAL, parse binary)", async () => {
    mailbox = await startMailbox();
    const { h1, h2 } = await both("Unread", proto, Buffer.from([0x0a, 0x7f, 0x01]));
    expect(h1).toEqual(h2);
    expect(JSON.parse(h1.body.toString())).toMatchObject({ code: "internal" });
    expect(JSON.parse(h1.body.toString()).message).toMatch(/^parse binary: /);
  });

  it("a body over maxBodyBytes: resource_exhausted, as the adapter answers", async () => {
    mailbox = await startMailbox({ maxBodyBytes: 64 * 1024 });
    const big = toBinary(
      RegisterRequestSchema,
      create(RegisterRequestSchema, { agentId: "x".repeat(70 * 1024) }),
    );
    const { h1, h2 } = await both("Register", proto, big);
    expect(h1.status).toBe(h2.status);
    expect(JSON.parse(h1.body.toString()).code).toBe("resource_exhausted");
    expect(JSON.parse(h2.body.toString()).code).toBe("resource_exhausted");
    expect(h1).toEqual(h2);
  });

  it("token mode: a call without a token is unauthenticated on both paths", async () => {
    mailbox = await startMailbox({ auth: "tokens", adminKey: "k".repeat(32) });
    const unread = toBinary(
      UnreadRequestSchema,
      create(UnreadRequestSchema, { agentId: "fp-r@t" }),
    );
    const { h1, h2 } = await both("Unread", proto, unread);
    expect(h1.status).toBe(401);
    expect(h1).toEqual(h2);
  });

  it("leaves the JSON form, a compressed body and an unknown method to the adapter", async () => {
    mailbox = await startMailbox();
    const url = mailbox.url;
    const json = await postH1(
      url,
      path("Unread"),
      { "content-type": "application/json" },
      Buffer.from(JSON.stringify({ agentId: "fp-r@t" })),
    );
    expect(json.status).toBe(200);
    expect(json.contentType).toBe("application/json");
    const unread = toBinary(
      UnreadRequestSchema,
      create(UnreadRequestSchema, { agentId: "fp-r@t" }),
    );
    const zipped = await postH1(
      url,
      path("Unread"),
      { ...proto, "content-encoding": "gzip" },
      gzipSync(unread),
    );
    expect(zipped.status).toBe(200);
    expect(zipped.contentType).toBe("application/proto");
    const unknown = await postH1(url, path("NoSuchMethod"), proto, Buffer.alloc(0));
    expect(unknown.status).toBe(404);
  });
});

/**
 * The fast path alone, on a node:http server of its own, beside connect-node's
 * adapter serving the same implementation on another: it must take the common
 * form (and answer as the adapter does), and leave every other form untouched.
 */
describe("createUnaryFastPath on its own", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    servers.length = 0;
  });
  const listen = async (handler: http.RequestListener) => {
    const s = http.createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  };
  const logged: unknown[] = [];
  const impl = {
    async unread(req: { agentId: string }) {
      if (req.agentId === "boom") throw new Error("a driver detail");
      return { frames: [], latestSeq: 7n };
    },
    async getThread() {
      throw new ConnectError("thread t not found", Code.NotFound);
    },
  };

  it("takes the common form, answers as the adapter, hides an unexpected error, and declines the rest", async () => {
    const fast = createUnaryFastPath(impl, {
      readMaxBytes: 1024,
      shutdownSignal: new AbortController().signal,
      log: (e) => logged.push(e),
    });
    const taken: string[] = [];
    const fastUrl = await listen((req, res) => {
      if (fast(req, res)) taken.push(req.url ?? "");
      else {
        res.writeHead(599);
        res.end();
      }
    });
    const adapterUrl = await listen(
      connectNodeAdapter({
        routes: (r) => r.service(MailboxService, impl as never),
        interceptors: [hideInternals(() => {})],
        readMaxBytes: 1024,
      }),
    );
    const unread = (agentId: string) =>
      toBinary(UnreadRequestSchema, create(UnreadRequestSchema, { agentId }));
    for (const [method, body] of [
      ["Unread", unread("someone")],
      ["Unread", unread("boom")],
      ["GetThread", Buffer.alloc(0)],
    ] as const) {
      const a = await postH1(fastUrl, path(method), proto, body);
      const b = await postH1(adapterUrl, path(method), proto, body);
      expect(a).toEqual(b);
    }
    expect(taken).toEqual([path("Unread"), path("Unread"), path("GetThread")]);
    expect(logged).toHaveLength(1);
    expect(String(logged[0])).toMatch(/a driver detail/);
    const declined = [
      await postH1(
        fastUrl,
        path("Unread"),
        { "content-type": "application/json" },
        Buffer.from("{}"),
      ),
      await postH1(
        fastUrl,
        path("Unread"),
        { ...proto, "content-encoding": "gzip" },
        gzipSync(unread("x")),
      ),
      await postH1(
        fastUrl,
        path("Unread"),
        { ...proto, "connect-protocol-version": "2" },
        unread("x"),
      ),
      await postH1(fastUrl, `${path("Unread")}?x=1`, proto, unread("x")),
      await postH1(fastUrl, path("Watch"), proto, Buffer.alloc(0)),
      await postH1(fastUrl, "/other/Unread", proto, unread("x")),
    ];
    expect(declined.map((d) => d.status)).toEqual([599, 599, 599, 599, 599, 599]);
    expect(taken).toHaveLength(3);
  });
});
