import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError } from "agentwire";
import { createMailboxServer } from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HttpVersion,
  openSse,
  startMailbox,
  type TestMailbox,
  typedMailbox,
} from "../mailbox-harness.js";

const ADMIN = "admin-key-for-tests-0123456789";

async function code(promise: Promise<unknown>): Promise<Code | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

// Token mode: the administrator key registers agents and gets each agent's
// token once; every other call carries an agent token and acts as that agent
// only; naming someone else is 403 and changes nothing.
describe.each<HttpVersion>(["1.1", "2"])("token mode over HTTP/%s", (version) => {
  let mailbox: TestMailbox;
  let n = 0;
  const agent = (role: string) => `${role}-${++n}@tok${version}`;
  const admin = () => mailbox.http(version, ADMIN);
  const register = async (agentId: string): Promise<string> => {
    const r = await admin().post("/agents/register", { agentId });
    expect(r.status, r.text).toBe(201);
    expect(typeof r.body.token).toBe("string");
    return r.body.token as string;
  };

  beforeAll(async () => {
    mailbox = await startMailbox({ auth: "tokens", adminKey: ADMIN });
  });
  afterAll(() => mailbox.close());

  it("the administrator registers an agent and gets its token once", async () => {
    const a = agent("a");
    const first = await admin().post("/agents/register", { agentId: a });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ agentId: a, created: true });
    expect(first.body.token).toMatch(/\S{20,}/);
    const again = await admin().post("/agents/register", { agentId: a });
    expect(again.body).toEqual({ agentId: a, created: false });
    // The agent's own token may confirm its registration (AgentMailbox clients call it on connect).
    const self = await mailbox
      .http(version, first.body.token)
      .post("/agents/register", { agentId: a });
    expect(self.body).toEqual({ agentId: a, created: false });
  });

  it("an agent named only as a recipient gets its token when the administrator registers it", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const ta = await register(a);
    await mailbox.http(version, ta).post("/messages/send", { from: a, to: b, payload: "hi" });
    const r = await admin().post("/agents/register", { agentId: b });
    expect(r.body.created).toBe(false);
    expect(typeof r.body.token).toBe("string");
    const unread = await mailbox
      .http(version, r.body.token)
      .get(`/mailbox/${encodeURIComponent(b)}/unread`);
    expect(unread.body.messages.map((m: { payload: unknown }) => m.payload)).toEqual(["hi"]);
  });

  it("no token or an unknown token is 401 unauthorized, /health stays open", async () => {
    const anonymous = mailbox.http(version);
    for (const [method, path] of [
      ["POST", "/agents/register"],
      ["POST", "/messages/send"],
      ["GET", "/mailbox/x/unread"],
      ["GET", "/mailbox/x"],
      ["GET", "/threads/t?as=x"],
      ["GET", "/mailbox/x/events"],
    ] as const) {
      const r = await anonymous.request(
        method,
        path,
        method === "POST" ? { agentId: "x" } : undefined,
      );
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body).toEqual({ error: "unauthorized" });
    }
    const forged = mailbox.http(version, "awmt_not-a-real-token");
    expect((await forged.get("/mailbox/x/unread")).status).toBe(401);
    expect((await anonymous.get("/health")).status).toBe(200);
  });

  it("a from, :agentId or as naming someone else is 403 and changes nothing", async () => {
    const [a, b, c] = [agent("a"), agent("b"), agent("c")];
    const [ta, tb] = [await register(a), await register(b)];
    const asA = mailbox.http(version, ta);
    const asB = mailbox.http(version, tb);
    const t = await asA.post("/messages/send", { from: a, to: b, payload: "real" });
    expect(t.status).toBe(200);
    const attempts = [
      asB.post("/messages/send", { from: a, to: c, payload: "spoofed" }),
      asB.post("/messages/reply-all", { from: a, threadId: t.body.threadId, payload: "spoofed" }),
      asB.get(`/mailbox/${encodeURIComponent(a)}/unread`),
      asB.get(`/mailbox/${encodeURIComponent(a)}`),
      asA.post(`/mailbox/${encodeURIComponent(b)}/read`, { threadId: t.body.threadId }),
      asB.get(`/threads/${t.body.threadId}?as=${encodeURIComponent(a)}`),
      asB.get(`/threads/${t.body.threadId}/sync?as=${encodeURIComponent(a)}`),
      asB.get(`/threads/${t.body.threadId}/participants?as=${encodeURIComponent(a)}`),
      asB.post("/agents/register", { agentId: c }),
      admin().get(`/mailbox/${encodeURIComponent(a)}/unread`),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r.status, r.text).toBe(403);
      expect(typeof r.body.error).toBe("string");
    }
    // Nothing changed: no spoofed message anywhere, b's unread still there, c never registered.
    const thread = await asA.get(`/threads/${t.body.threadId}?as=${encodeURIComponent(a)}`);
    expect(thread.body.thread.messages.map((m: { payload: unknown }) => m.payload)).toEqual([
      "real",
    ]);
    expect((await asB.get(`/mailbox/${encodeURIComponent(b)}/unread`)).body.messages).toHaveLength(
      1,
    );
    expect((await admin().post("/agents/register", { agentId: c })).body.created).toBe(true);
  });

  it("the SSE stream authenticates with the agent token", async () => {
    const a = agent("a");
    const ta = await register(a);
    const refused = await openSse(mailbox.url, version, `/mailbox/${encodeURIComponent(a)}/events`);
    expect(refused.status).toBe(401);
    await refused.ended;
    const ok = await openSse(mailbox.url, version, `/mailbox/${encodeURIComponent(a)}/events`, {
      authorization: `Bearer ${ta}`,
    });
    expect(ok.status).toBe(200);
    await ok.close();
  });
});

describe("token mode on the typed service", () => {
  let mailbox: TestMailbox;
  beforeAll(async () => {
    mailbox = await startMailbox({ auth: "tokens", adminKey: ADMIN });
  });
  afterAll(() => mailbox.close());

  it("authenticates with the Authorization header, fills in the caller, and refuses spoofing", async () => {
    const admin = typedMailbox(mailbox.url, "grpc", ADMIN);
    const anonymous = typedMailbox(mailbox.url, "connect-2");
    try {
      const a = await admin.client.register({ agentId: "alice@typed" });
      const b = await admin.client.register({ agentId: "bob@typed" });
      expect(a.token).not.toBe("");
      expect(await code(anonymous.client.unread({ agentId: "alice@typed" }))).toBe(
        Code.Unauthenticated,
      );
      const alice = typedMailbox(mailbox.url, "connect-1.1", a.token);
      const bob = typedMailbox(mailbox.url, "grpc", b.token);
      try {
        const sent = await alice.client.send({ to: ["bob@typed"] });
        expect(sent.deliveredTo).toEqual(["bob@typed"]);
        const unread = await bob.client.unread({});
        expect(unread.deliveries[0]?.message?.sender).toBe("alice@typed");
        expect(await code(bob.client.send({ sender: "alice@typed", to: ["bob@typed"] }))).toBe(
          Code.PermissionDenied,
        );
        expect(await code(bob.client.unread({ agentId: "alice@typed" }))).toBe(
          Code.PermissionDenied,
        );
        expect(await code(bob.client.register({ agentId: "carol@typed" }))).toBe(
          Code.PermissionDenied,
        );
        expect(
          (await alice.client.getThread({ threadId: sent.threadId })).thread?.messages,
        ).toHaveLength(1);
        expect((await alice.client.unread({})).deliveries).toHaveLength(0);
      } finally {
        alice.close();
        bob.close();
      }
    } finally {
      admin.close();
      anonymous.close();
    }
  });
});

describe("identity options", () => {
  it("open mode refuses a non-loopback host; token mode needs an administrator key and warns beyond loopback", async () => {
    await expect(createMailboxServer({ host: "0.0.0.0", port: 0 })).rejects.toSatisfy(
      (e) =>
        e instanceof AgentwireError && e.reason === "invalid_argument" && /host/.test(e.message),
    );
    await expect(createMailboxServer({ auth: "tokens", port: 0 })).rejects.toThrow(/adminKey/);
    await expect(
      createMailboxServer({ auth: "tokens", adminKey: "short", port: 0 }),
    ).rejects.toThrow(/adminKey/);
    const lines: string[] = [];
    const server = await createMailboxServer({
      auth: "tokens",
      adminKey: ADMIN,
      host: "0.0.0.0",
      port: 0,
      onLog: (l) => lines.push(l),
    });
    await server.listen();
    await server.close();
    expect(lines.join("\n")).toMatch(/warning: .*0\.0\.0\.0/);
  });
});
