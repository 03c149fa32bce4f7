import { connect } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MailboxCore } from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HttpVersion,
  type MailboxHttp,
  startMailbox,
  type TestMailbox,
  typedMailbox,
} from "../mailbox-harness.js";

// Bad input is a 4xx `{error}` naming what was wrong and changes nothing;
// limits are 413; browsers' cross-site posts are refused; unexpected
// failures are 500 without internals.
describe.each<HttpVersion>(["1.1", "2"])("bad input and limits over HTTP/%s", (version) => {
  let mailbox: TestMailbox;
  let http: MailboxHttp;
  let n = 0;
  const agent = (role: string) => `${role}-${++n}@bad${version}`;

  beforeAll(async () => {
    mailbox = await startMailbox({ maxBodyBytes: 64 * 1024 });
    http = mailbox.http(version);
  });
  afterAll(() => mailbox.close());

  const nothingFor = async (who: string) => {
    const r = await http.get(`/mailbox/${encodeURIComponent(who)}`);
    expect(r.body.total).toBe(0);
  };

  it.each([
    [{ to: "b" }, /from/],
    [{ from: "a" }, /to/],
    [{ from: 7, to: "b" }, /from/],
    [{ from: "a", to: 5 }, /to/],
    [{ from: "a", to: "" }, /to/],
    [{ from: "a", to: ["b", 3] }, /to\[1\]/],
    [{ from: "a", to: "b", cc: "c" }, /cc/],
    [{ from: "a", to: "b", bcc: [null] }, /bcc\[0\]/],
    [{ from: "a", to: "b", threadId: 9 }, /threadId/],
    [{ from: "a", to: "b", replyTo: {} }, /replyTo/],
    [{ from: "a", to: "b", contextSnapshot: [1] }, /contextSnapshot/],
    [{ from: "a", to: "b", contextSnapshot: "x" }, /contextSnapshot/],
    [{ from: "a", to: "b", handoff: "x" }, /handoff/],
    [{ from: "a", to: "b", handoff: { maxContextBytes: "big" } }, /handoff\.maxContextBytes/],
    [{ from: "a", to: "b", handoff: { maxContextBytes: 10 } }, /maxContextBytes/],
    [{ from: "a", to: "b", handoff: { includeFields: [1] } }, /handoff\.includeFields\[0\]/],
    [{ from: "a", to: "b", handoff: { goal: 3 } }, /handoff\.goal/],
  ])("send %j is 400 naming the field, and stores nothing", async (body, field) => {
    const suffix = `-${++n}`;
    const named = JSON.parse(
      JSON.stringify(body).replaceAll('"a"', `"a${suffix}"`).replaceAll('"b"', `"b${suffix}"`),
    );
    const r = await http.post("/messages/send", named);
    expect(r.status, r.text).toBe(400);
    expect(r.body.error).toMatch(field);
    await nothingFor(`a${suffix}`);
    await nothingFor(`b${suffix}`);
  });

  it("an agent id over 256 characters is 400, more than 100 recipients 413 (the core's count limit)", async () => {
    const a = agent("a");
    const long = await http.post("/messages/send", { from: a, to: "x".repeat(257) });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/to/);
    const many = Array.from({ length: 101 }, (_, i) => `r${i}-${a}`);
    const crowd = await http.post("/messages/send", { from: a, to: many[0], cc: many.slice(1) });
    expect(crowd.status).toBe(413);
    expect(crowd.body.error).toMatch(/recipient/);
    await nothingFor(a);
  });

  it("a body that is not JSON, or not an object, is 400", async () => {
    const notJson = await http.post("/messages/send", "{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/JSON/);
    const array = await http.post("/agents/register", [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.error).toMatch(/object/);
  });

  it("a payload plus snapshot over 1 MiB is 413 and stores nothing (with the body limit raised)", async () => {
    const big = await startMailbox({ maxBodyBytes: 4 * 1024 * 1024 });
    const client = big.http(version);
    try {
      const [a, b] = [agent("a"), agent("b")];
      const r = await client.post("/messages/send", {
        from: a,
        to: b,
        payload: "p".repeat(600 * 1024),
        contextSnapshot: { s: "s".repeat(600 * 1024) },
      });
      expect(r.status, r.text).toBe(413);
      expect(r.body.error).toMatch(/payload/);
      expect((await client.get(`/mailbox/${encodeURIComponent(b)}/unread`)).body.messages).toEqual(
        [],
      );
    } finally {
      await big.close();
    }
  });

  it("a body over maxBodyBytes is 413 as soon as it is exceeded, declared or not", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const r = await http.post("/messages/send", { from: a, to: b, payload: "z".repeat(70 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/65536 bytes/);
    expect((await http.get(`/mailbox/${encodeURIComponent(b)}/unread`)).body.messages).toEqual([]);
  });

  it("malformed percent-encoding in the path is 400, an unknown route 404", async () => {
    const bad = await http.get("/mailbox/%E0%A4%A/unread");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/percent-encoding/);
    const badThread = await http.get("/threads/%zz?as=a");
    expect(badThread.status).toBe(400);
    for (const [method, path] of [
      ["GET", "/nope"],
      ["DELETE", "/messages/send"],
      ["GET", "/messages/send"],
      ["POST", "/mailbox/a/b/c"],
    ] as const) {
      const r = await http.request(method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(typeof r.body.error).toBe("string");
    }
  });

  it("refuses cross-site browser requests to state-changing routes, and changes nothing", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const body = { from: a, to: b, payload: "forged" };
    const evil = await http.post("/messages/send", body, { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toMatch(/cross-site/);
    const site = await http.post("/messages/send", body, { "sec-fetch-site": "cross-site" });
    expect(site.status).toBe(403);
    const reg = await http.post("/agents/register", { agentId: a }, { origin: "null" });
    expect(reg.status).toBe(403);
    expect((await http.get(`/mailbox/${encodeURIComponent(b)}/unread`)).body.messages).toEqual([]);
    const typed = await http.post(
      "/agentwire.mailbox.v1.MailboxService/Send",
      { sender: a, to: [b] },
      { origin: "https://evil.example" },
    );
    expect(typed.status).toBe(403);
    const own = new URL(mailbox.url).origin;
    const same = await http.post("/messages/send", body, {
      origin: own,
      "sec-fetch-site": "same-origin",
    });
    expect(same.status).toBe(200);
  });

  it("open mode answers only loopback host names (DNS rebinding)", async () => {
    const r = await http.get("/health", version === "1.1" ? { host: "attacker.example" } : {});
    if (version === "1.1") expect(r.status).toBe(403);
    else expect(r.status).toBe(200);
  });
});

describe("unexpected failures", () => {
  it("are 500 without internals, and the server keeps serving", async () => {
    const { createMailboxServer } = await import("agentwire/mailbox-server");
    const probe = await createMailboxServer({ port: 0 });
    const real = probe.core;
    const lines: string[] = [];
    const failing: MailboxCore = new Proxy(real, {
      get(target, key, receiver) {
        if (key === "unread")
          return () => Promise.reject(new Error("SQLITE_CORRUPT at /secret/path/db.sqlite"));
        return Reflect.get(target, key, receiver);
      },
    });
    const mailbox = await startMailbox({ core: failing, onLog: (l) => lines.push(l) });
    try {
      for (const version of ["1.1", "2"] as const) {
        const http = mailbox.http(version);
        const r = await http.get("/mailbox/x/unread");
        expect(r.status).toBe(500);
        expect(r.body).toEqual({ error: "internal error" });
        expect(r.text).not.toMatch(/secret|SQLITE/);
        expect((await http.get("/mailbox/x")).status).toBe(200);
      }
      for (const kind of ["connect-2", "grpc"] as const) {
        const typed = typedMailbox(mailbox.url, kind);
        try {
          await typed.client.unread({ agentId: "x" });
          expect.unreachable();
        } catch (err) {
          const e = ConnectError.from(err);
          expect(e.code).toBe(Code.Internal);
          expect(e.rawMessage).toBe("internal error");
        } finally {
          typed.close();
        }
      }
      expect(lines.some((l) => l.includes("SQLITE_CORRUPT"))).toBe(true);
    } finally {
      await mailbox.close();
      await probe.close().catch(() => {});
    }
  });

  it("a connection that sends nothing recognisable is closed, and others are served", async () => {
    const mailbox = await startMailbox({ firstBytesTimeoutMs: 50 });
    try {
      const { port } = new URL(mailbox.url);
      const socket = connect(Number(port), "127.0.0.1");
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {});
      socket.write("PR");
      await closed;
      expect((await mailbox.http("1.1").get("/health")).status).toBe(200);
    } finally {
      await mailbox.close();
    }
  });

  it("a client that leaves in the middle of a body stores nothing, and others are served", async () => {
    const mailbox = await startMailbox();
    try {
      const { port } = new URL(mailbox.url);
      const socket = connect(Number(port), "127.0.0.1");
      socket.on("error", () => {});
      // "100 Continue" comes once the request reached its route, so the
      // partial body below is read by the route, not refused before it.
      const continued = new Promise<void>((resolve) => {
        socket.on("data", (d: Buffer) => {
          if (d.toString("latin1").includes("100 Continue")) resolve();
        });
      });
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write(
        "POST /messages/send HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          "Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n",
      );
      await continued;
      socket.write('{"from":"leaver@bad","to":"stayer@bad","subject":"half');
      socket.destroy();
      await closed;
      const http = mailbox.http("1.1");
      expect((await http.get("/health")).status).toBe(200);
      expect((await http.get("/mailbox/stayer%40bad")).body.total).toBe(0);
      const sent = await http.post("/messages/send", {
        from: "leaver@bad",
        to: "stayer@bad",
        subject: "whole",
      });
      expect(sent.status).toBe(200);
      expect((await http.get("/mailbox/stayer%40bad")).body.total).toBe(1);
    } finally {
      await mailbox.close();
    }
  });
});
