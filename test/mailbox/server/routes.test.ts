import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HttpVersion,
  type MailboxHttp,
  startMailbox,
  type TestMailbox,
} from "../mailbox-harness.js";

// Every AgentMailbox route and semantic of the HTTP spec, end to end against
// the real server (SQLite :memory:), over HTTP/1.1 and over HTTP/2 (h2c) on
// the same port.
describe.each<HttpVersion>(["1.1", "2"])("AgentMailbox routes over HTTP/%s", (version) => {
  let mailbox: TestMailbox;
  let http: MailboxHttp;
  let n = 0;
  /** A fresh agent name per test, so tests share one server without meeting. */
  const agent = (role: string) => `${role}-${++n}@h${version}`;

  beforeAll(async () => {
    mailbox = await startMailbox();
    http = mailbox.http(version);
  });
  afterAll(() => mailbox.close());

  const send = async (body: Record<string, unknown>) => {
    const r = await http.post("/messages/send", body);
    expect(r.status, r.text).toBe(200);
    return r.body as { messageId: string; threadId: string; deliveredTo: string[] };
  };
  const unread = async (who: string, query = "") => {
    const r = await http.get(`/mailbox/${encodeURIComponent(who)}/unread${query}`);
    expect(r.status, r.text).toBe(200);
    return r.body.messages as Record<string, unknown>[];
  };
  const thread = (id: string, as: string) =>
    http.get(`/threads/${encodeURIComponent(id)}?as=${encodeURIComponent(as)}`);

  it("GET /health answers ok and the store state without auth", async () => {
    const r = await http.get("/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true });
    expect(typeof r.body.store).toBe("string");
  });

  it("POST /agents/register is 201, with created false the second time, and 400 naming agentId", async () => {
    const a = agent("reg");
    expect((await http.post("/agents/register", { agentId: a })).body).toEqual({
      agentId: a,
      created: true,
    });
    const again = await http.post("/agents/register", { agentId: a });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ agentId: a, created: false });
    const bad = await http.post("/agents/register", {});
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/agentId/);
  });

  it("a send registers every agent named and delivers to the distinct to, cc, bcc without the sender", async () => {
    const [a, b, c, d] = [agent("a"), agent("b"), agent("c"), agent("d")];
    const r = await send({ from: a, to: b, cc: [c, a, b], bcc: [d, c], payload: { n: 1 } });
    expect(r.deliveredTo).toEqual([b, c, d]);
    for (const x of [a, b, c, d])
      expect((await http.post("/agents/register", { agentId: x })).body.created).toBe(false);
  });

  it("a send without threadId reuses the thread of the same visible set and creates one otherwise", async () => {
    const [a, b, c] = [agent("a"), agent("b"), agent("c")];
    const first = await send({ from: a, to: b, cc: [c], payload: 1 });
    const same = await send({ from: c, to: a, cc: [b], payload: 2 });
    const other = await send({ from: a, to: b, payload: 3 });
    expect(same.threadId).toBe(first.threadId);
    expect(other.threadId).not.toBe(first.threadId);
    const t = (await thread(first.threadId, a)).body.thread;
    expect(t.participants).toEqual([a, b, c].sort());
    expect(t.messages.map((m: { payload: unknown }) => m.payload)).toEqual([1, 2]);
  });

  it("a send to an unknown threadId is 404 and stores nothing", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const r = await http.post("/messages/send", { from: a, to: b, threadId: "no-such-thread" });
    expect(r.status).toBe(404);
    expect(typeof r.body.error).toBe("string");
    expect(await unread(b)).toEqual([]);
  });

  it("keeps the Message and ContextFrame keys and omits absent optional lists", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const sent = await send({ from: a, to: b, payload: "hi", contextSnapshot: { step: 1 } });
    const [frame] = await unread(b);
    expect(Object.keys(frame ?? {})).toEqual([
      "id",
      "threadId",
      "from",
      "to",
      "timestamp",
      "payload",
      "context",
    ]);
    expect(frame).toMatchObject({ id: sent.messageId, threadId: sent.threadId, from: a, to: b });
    const t = (await thread(sent.threadId, a)).body.thread;
    expect(Object.keys(t)).toEqual([
      "id",
      "participants",
      "silentParticipants",
      "messages",
      "createdAt",
      "updatedAt",
    ]);
    expect(Object.keys(t.messages[0])).toEqual([
      "id",
      "threadId",
      "from",
      "to",
      "payload",
      "contextSnapshot",
      "timestamp",
    ]);
    expect(t.messages[0].contextSnapshot).toEqual({ step: 1 });
  });

  it("a missing payload is stored as null", async () => {
    const [a, b] = [agent("a"), agent("b")];
    await send({ from: a, to: b });
    expect((await unread(b))[0]?.payload).toBeNull();
  });

  it("BCC privacy: bcc only in the sender's views, silent participants only to those allowed, never bcc among bcc", async () => {
    const [a, b, c, d1, d2] = [agent("a"), agent("b"), agent("c"), agent("d1"), agent("d2")];
    const sent = await send({ from: a, to: b, cc: [c], bcc: [d1, d2], payload: "secret plan" });
    for (const reader of [b, c, d1, d2]) {
      const frames = await unread(reader);
      expect(frames).toHaveLength(1);
      expect(frames[0]).not.toHaveProperty("bcc");
      const ctx = frames[0]?.context as { recentMessages: Record<string, unknown>[] };
      for (const m of ctx.recentMessages) expect(m).not.toHaveProperty("bcc");
    }
    const mine = (await thread(sent.threadId, a)).body.thread;
    expect(mine.messages[0].bcc).toEqual([d1, d2]);
    expect(mine.silentParticipants).toEqual([d1, d2]);
    const theirs = (await thread(sent.threadId, b)).body.thread;
    expect(theirs.messages[0]).not.toHaveProperty("bcc");
    expect(theirs.silentParticipants).toEqual([]);
    const blind = (await thread(sent.threadId, d1)).body.thread;
    expect(blind.messages[0]).not.toHaveProperty("bcc");
    expect(blind.silentParticipants).toEqual([d1]);
    const sync = await http.get(`/threads/${sent.threadId}/sync?as=${encodeURIComponent(d2)}`);
    for (const m of sync.body.context.recentMessages) expect(m).not.toHaveProperty("bcc");
    const senderSync = await http.get(`/threads/${sent.threadId}/sync?as=${encodeURIComponent(a)}`);
    expect(senderSync.body.context.recentMessages[0].bcc).toEqual([d1, d2]);
    const listing = (await http.get(`/mailbox/${encodeURIComponent(b)}`)).body.threads;
    expect(listing[0].messages[0]).not.toHaveProperty("bcc");
    expect(listing[0].silentParticipants).toEqual([]);
    const roles = async (as: string) =>
      (await http.get(`/threads/${sent.threadId}/participants?as=${encodeURIComponent(as)}`)).body
        .participants as { agentId: string; role: string }[];
    expect((await roles(a)).map((p) => p.agentId)).toEqual([a, b, c, d1, d2]);
    expect((await roles(b)).map((p) => p.agentId)).toEqual([a, b, c]);
    expect((await roles(d1)).map((p) => p.agentId)).toEqual([a, b, c, d1]);
    expect((await roles(d2)).find((p) => p.agentId === d2)?.role).toBe("bcc");
  });

  it("participants: highest role, the sender as to, ordered by joinedAt", async () => {
    const [a, b, c] = [agent("a"), agent("b"), agent("c")];
    const first = await send({ from: a, to: b, cc: [c] });
    await send({ from: b, to: c, cc: [a], threadId: first.threadId });
    const r = await http.get(`/threads/${first.threadId}/participants?as=${encodeURIComponent(c)}`);
    expect(r.status).toBe(200);
    const ps = r.body.participants as { agentId: string; role: string; joinedAt: number }[];
    expect(ps.map((p) => [p.agentId, p.role])).toEqual([
      [a, "to"],
      [b, "to"],
      [c, "to"],
    ]);
    expect(Object.keys(ps[0] ?? {})).toEqual(["agentId", "role", "joinedAt"]);
    const joined = ps.map((p) => p.joinedAt);
    expect([...joined].sort((x, y) => x - y)).toEqual(joined);
  });

  it("reply-all: to the first other visible participant, cc the rest, never the silent ones", async () => {
    const [z, m, y, q] = [agent("z"), agent("m"), agent("y"), agent("q")];
    const first = await send({ from: z, to: m, cc: [y], bcc: [q], payload: "start" });
    const r = await http.post("/messages/reply-all", {
      from: y,
      threadId: first.threadId,
      payload: "reply",
    });
    expect(r.status, r.text).toBe(200);
    const others = [z, m].sort();
    expect(r.body.deliveredTo).toEqual(others);
    expect(r.body.threadId).toBe(first.threadId);
    const last = (await thread(first.threadId, y)).body.thread.messages.at(-1);
    expect(last.to).toBe(others[0]);
    expect(last.cc).toEqual([others[1]]);
    expect((await unread(q)).map((f) => f.payload)).toEqual(["start"]);
  });

  it("reply-all is 404 for an unknown thread and 400 when nobody else is visible", async () => {
    const a = agent("a");
    const unknown = await http.post("/messages/reply-all", { from: a, threadId: "nope" });
    expect(unknown.status).toBe(404);
    const alone = await send({ from: a, to: a, payload: "note to self" });
    const r = await http.post("/messages/reply-all", { from: a, threadId: alone.threadId });
    expect(r.status).toBe(400);
    expect(typeof r.body.error).toBe("string");
  });

  it("unread lists oldest first, not the reader's own sends; read clears a thread and is ok for an unknown one", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const t = await send({ from: a, to: b, payload: 1 });
    await send({ from: a, to: b, payload: 2, threadId: t.threadId });
    await send({ from: b, to: a, payload: "mine", threadId: t.threadId });
    expect((await unread(b)).map((f) => f.payload)).toEqual([1, 2]);
    const mailbox = await http.get(`/mailbox/${encodeURIComponent(b)}`);
    expect(mailbox.body.unreadCount).toBe(2);
    const read = await http.post(`/mailbox/${encodeURIComponent(b)}/read`, {
      threadId: t.threadId,
    });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ok: true });
    expect(await unread(b)).toEqual([]);
    expect((await http.get(`/mailbox/${encodeURIComponent(b)}`)).body.unreadCount).toBe(0);
    await send({ from: a, to: b, payload: 3, threadId: t.threadId });
    expect((await unread(b)).map((f) => f.payload)).toEqual([3]);
    const unknown = await http.post(`/mailbox/${encodeURIComponent(b)}/read`, { threadId: "nope" });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ ok: true });
    const bad = await http.post(`/mailbox/${encodeURIComponent(b)}/read`, {});
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/threadId/);
  });

  it("lenient answers: the unread list and mailbox of an unknown agent are 200 and empty", async () => {
    const ghost = agent("ghost");
    expect(await unread(ghost)).toEqual([]);
    const r = await http.get(`/mailbox/${encodeURIComponent(ghost)}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ threads: [], unreadCount: 0, total: 0, limit: 100, offset: 0 });
  });

  it("context: recent messages (recent=N), the latest snapshot, a non-empty summary of older messages, a token count", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const t = await send({ from: a, to: b, payload: "one", contextSnapshot: { v: 1 } });
    await send({ from: b, to: a, threadId: t.threadId, payload: "two", contextSnapshot: { v: 2 } });
    await send({
      from: a,
      to: b,
      threadId: t.threadId,
      payload: "three",
      contextSnapshot: { v: 3 },
    });
    const frames = await unread(b, "?recent=2");
    const ctx = frames.at(-1)?.context as Record<string, unknown> & {
      recentMessages: { payload: unknown }[];
    };
    expect(ctx.recentMessages.map((m) => m.payload)).toEqual(["two", "three"]);
    expect(ctx.snapshot).toEqual({ v: 3 });
    expect(ctx.threadSummary).toContain("one");
    expect(ctx.tokenCount).toBeGreaterThan(0);
    expect(ctx).not.toHaveProperty("threadSummaryStructured");
    const sync = await http.get(`/threads/${t.threadId}/sync?as=${encodeURIComponent(b)}&recent=1`);
    expect(sync.status).toBe(200);
    expect(sync.body.context.recentMessages.map((m: { payload: unknown }) => m.payload)).toEqual([
      "three",
    ]);
    expect(Object.keys(sync.body.context)).toEqual([
      "snapshot",
      "threadSummary",
      "recentMessages",
      "tokenCount",
    ]);
    // recent is clamped to 1..50 and a non-number falls back to 10, as the existing server does.
    const all = await http.get(`/threads/${t.threadId}/sync?as=${encodeURIComponent(b)}&recent=x`);
    expect(all.body.context.recentMessages).toHaveLength(3);
    const min = await http.get(`/threads/${t.threadId}/sync?as=${encodeURIComponent(b)}&recent=0`);
    expect(min.body.context.recentMessages).toHaveLength(1);
  });

  it("a thread of 30 messages carries the structured summary covering the 20 older ones", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const first = await send({ from: a, to: b, payload: "m0" });
    for (let i = 1; i < 30; i++)
      await send({
        from: i % 2 ? b : a,
        to: i % 2 ? a : b,
        threadId: first.threadId,
        payload: `m${i}`,
      });
    const r = await http.get(`/threads/${first.threadId}/sync?as=${encodeURIComponent(a)}`);
    const s = r.body.context.threadSummaryStructured;
    expect(s.coversMessageIds).toHaveLength(20);
    expect(Object.keys(s)).toEqual([
      "text",
      "decisions",
      "openQuestions",
      "artifacts",
      "coversMessageIds",
      "generatedAt",
    ]);
    expect(r.body.context.threadSummary).not.toBe("");
  });

  it("thread, sync and participants are 404 to a non-participant and without as", async () => {
    const [a, b, outsider] = [agent("a"), agent("b"), agent("outsider")];
    const t = await send({ from: a, to: b, payload: "private" });
    for (const path of [
      `/threads/${t.threadId}`,
      `/threads/${t.threadId}/sync`,
      `/threads/${t.threadId}/participants`,
    ]) {
      expect((await http.get(`${path}?as=${encodeURIComponent(outsider)}`)).status).toBe(404);
      expect((await http.get(path)).status).toBe(404);
      expect((await http.get(`${path}?as=${encodeURIComponent(b)}`)).status).toBe(200);
    }
    const missing = await http.get(`/threads/no-such?as=${encodeURIComponent(a)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual(
      (
        await http.get(`/threads/${t.threadId}?as=${encodeURIComponent(outsider)}`)
      ).body.error.replace(t.threadId, "no-such"),
    );
  });

  it("handoff replaces the stored snapshot with a handoff packet", async () => {
    const [a, b] = [agent("a"), agent("b")];
    const t = await send({ from: a, to: b, payload: { task: "collect sources" } });
    await send({
      from: a,
      to: b,
      threadId: t.threadId,
      payload: "over to you",
      contextSnapshot: { topic: "tides", _private: 1, handoff: "x", big: "y".repeat(400) },
      handoff: {
        nextAction: "write it up",
        includeFields: ["topic", "_private", "big"],
        maxContextBytes: 256,
      },
    });
    const last = (await thread(t.threadId, b)).body.thread.messages.at(-1);
    expect(last.contextSnapshot).toMatchObject({
      version: 1,
      goal: "collect sources",
      nextAction: "write it up",
      context: { topic: "tides" },
      decisions: [],
      openQuestions: [],
      artifacts: {},
    });
    expect(last.contextSnapshot.context).not.toHaveProperty("_private");
    expect(last.contextSnapshot.context).not.toHaveProperty("big");
    expect(typeof last.contextSnapshot.generatedAt).toBe("number");
    const reply = await http.post("/messages/reply-all", {
      from: b,
      threadId: t.threadId,
      payload: "done",
      contextSnapshot: { result: 42 },
      handoff: { goal: "review" },
    });
    expect(reply.status).toBe(200);
    const answer = (await thread(t.threadId, a)).body.thread.messages.at(-1);
    expect(answer.contextSnapshot).toMatchObject({
      version: 1,
      goal: "review",
      context: { result: 42 },
    });
  });

  it("mailbox pagination: limit and offset, most recently updated first, with total", async () => {
    const owner = agent("owner");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await send({ from: agent("peer"), to: owner, payload: i })).threadId);
    const page = await http.get(`/mailbox/${encodeURIComponent(owner)}?limit=2&offset=1`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1, unreadCount: 5 });
    expect(page.body.threads.map((t: { id: string }) => t.id)).toEqual([ids[3], ids[2]]);
    const clamped = await http.get(`/mailbox/${encodeURIComponent(owner)}?limit=5000&offset=-4`);
    expect(clamped.body).toMatchObject({ limit: 1000, offset: 0, total: 5 });
    expect(clamped.body.threads).toHaveLength(5);
  });

  it("an agent id may hold any character, percent-encoded in the path", async () => {
    const [a, b] = [agent("a/slash"), agent("b ? & #")];
    await send({ from: a, to: b, payload: "odd" });
    expect((await unread(b)).map((f) => f.payload)).toEqual(["odd"]);
  });
});
