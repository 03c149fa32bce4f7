import { createServer, type Socket } from "node:net";
import {
  AgentwireError,
  createMailbox,
  type JsonValue,
  type Mailbox,
  type MailboxProtocol,
} from "agentwire/mailbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./support/server.js";

type Task = { kind: string; text: string };
type Snap = { goal: string; step?: number };

/** Expects `promise` to reject with an AgentwireError of `reason` whose message matches `message`. */
async function refused(promise: Promise<unknown>, reason: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentwireError);
  expect((error as AgentwireError).reason).toBe(reason);
  if (message) expect((error as AgentwireError).rawMessage).toMatch(message);
  return error as AgentwireError;
}

describe.each<MailboxProtocol>(["connect", "grpc"])("every method over %s", (protocol) => {
  let server: RunningServer;
  const clients: Mailbox<Task, Snap>[] = [];
  const agent = (agentId: string) => {
    const m = createMailbox<Task, Snap>({ agentId, baseUrl: server.url, protocol });
    clients.push(m);
    return m;
  };
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it("register, send with to/cc/bcc, unread, receive, thread views, reply-all, participants, sync, mark read, threads", async () => {
    const orch = agent(`orch-${protocol}@t`);
    const res = agent(`res-${protocol}@t`);
    const writer = agent(`writer-${protocol}@t`);
    const logger = agent(`logger-${protocol}@t`);
    expect(await orch.register()).toEqual({ agentId: orch.agentId, created: true });
    expect(await orch.register()).toEqual({ agentId: orch.agentId, created: false });

    const sent = await orch.send(
      res.agentId,
      { kind: "task", text: "find facts" },
      { cc: [writer.agentId], bcc: [logger.agentId], contextSnapshot: { goal: "brief", step: 1 } },
    );
    expect(sent.deliveredTo).toEqual([res.agentId, writer.agentId, logger.agentId]);
    expect(sent.deliveries).toEqual([
      { agentId: res.agentId, seq: 1n },
      { agentId: writer.agentId, seq: 1n },
      { agentId: logger.agentId, seq: 1n },
    ]);
    expect(sent.timestamp).toBeGreaterThan(1_600_000_000_000);

    const [delivery, ...more] = await res.unread();
    expect(more).toEqual([]);
    expect(delivery?.seq).toBe(1n);
    expect(delivery?.threadId).toBe(sent.threadId);
    expect(delivery?.message).toMatchObject({
      id: sent.messageId,
      from: orch.agentId,
      to: [res.agentId],
      cc: [writer.agentId],
      payload: { kind: "task", text: "find facts" },
      contextSnapshot: { goal: "brief", step: 1 },
    });
    expect(delivery?.message.bcc).toBeUndefined(); // bcc is the sender's to see
    expect(delivery?.context.snapshot).toEqual({ goal: "brief", step: 1 });
    expect(delivery?.context.recentMessages.map((m) => m.id)).toEqual([sent.messageId]);

    // The logger (bcc) receives it, without the bcc field.
    const [logged] = await logger.unread();
    expect(logged?.message.id).toBe(sent.messageId);
    expect(logged?.message.bcc).toBeUndefined();

    // The thread as each sees it.
    const asSender = await orch.thread(sent.threadId);
    expect(asSender.participants).toEqual([orch.agentId, res.agentId, writer.agentId].sort());
    expect(asSender.silentParticipants).toEqual([logger.agentId]);
    expect(asSender.messages[0]?.bcc).toEqual([logger.agentId]);
    expect((await res.thread(sent.threadId)).silentParticipants).toEqual([]);
    expect((await logger.thread(sent.threadId)).silentParticipants).toEqual([logger.agentId]);

    // receive: unread filtered by sender, with the latest context.
    const fromOrch = await res.receive({ from: orch.agentId });
    expect(fromOrch.messages.map((d) => d.message.id)).toEqual([sent.messageId]);
    expect(fromOrch.context.snapshot.goal).toBe("brief");
    const fromNobody = await res.receive({ from: "nobody@t" });
    expect(fromNobody).toEqual({
      messages: [],
      context: { snapshot: {}, threadSummary: "", recentMessages: [], tokenCount: 0 },
    });

    // reply-all from the researcher: to the first other visible participant, cc the rest, never the bcc.
    const reply = await res.replyAll(
      sent.threadId,
      { kind: "findings", text: "two facts" },
      { contextSnapshot: { goal: "brief", step: 2 } },
    );
    const others = [orch.agentId, writer.agentId].sort();
    expect(reply.deliveredTo).toEqual(others);
    expect(reply.threadId).toBe(sent.threadId);
    expect(reply.deliveredTo).not.toContain(logger.agentId);

    expect(await orch.participants(sent.threadId)).toEqual([
      { agentId: orch.agentId, role: "to", joinedAt: expect.any(Number) },
      { agentId: res.agentId, role: "to", joinedAt: expect.any(Number) },
      { agentId: writer.agentId, role: "cc", joinedAt: expect.any(Number) },
      { agentId: logger.agentId, role: "bcc", joinedAt: expect.any(Number) },
    ]);
    expect((await res.participants(sent.threadId)).map((p) => p.agentId)).not.toContain(
      logger.agentId,
    );

    const context = await writer.sync(sent.threadId, { recent: 1 });
    expect(context.recentMessages.map((m) => m.id)).toEqual([reply.messageId]);
    expect(context.snapshot).toEqual({ goal: "brief", step: 2 });
    expect(context.threadSummary).not.toBe(""); // the older message is summarised

    // The writer has two unread deliveries (seq 1 and 2); read up to 1 leaves 2.
    expect((await writer.unread()).map((d) => d.seq)).toEqual([1n, 2n]);
    // Pages: the oldest first, then after the page's last sequence.
    expect((await writer.unread({ limit: 1 })).map((d) => d.seq)).toEqual([1n]);
    expect((await writer.unread({ after: 1n, limit: 1 })).map((d) => d.seq)).toEqual([2n]);
    expect(await writer.markRead(sent.threadId, { upTo: 1n })).toEqual({ upTo: 1n });
    expect((await writer.unread()).map((d) => d.seq)).toEqual([2n]);
    expect(await writer.markRead(sent.threadId)).toEqual({ upTo: 2n });
    expect(await writer.unread()).toEqual([]);

    const page = await orch.threads({ limit: 10, offset: 0 });
    expect(page).toMatchObject({ total: 1, limit: 10, offset: 0, unreadCount: 1 });
    expect(page.threads[0]?.id).toBe(sent.threadId);
    expect((await orch.threads({ limit: 10, offset: 1 })).threads).toEqual([]);
  });

  it("watch pushes deliveries with their context, and resumes after a given sequence", async () => {
    const from = agent(`w-from-${protocol}@t`);
    const to = agent(`w-to-${protocol}@t`);
    const first = await from.send(
      to.agentId,
      { kind: "a", text: "1" },
      { contextSnapshot: { goal: "g" } },
    );
    const ac = new AbortController();
    const seen: { seq: bigint; text: string; snapshot: Snap; recent: number }[] = [];
    for await (const d of to.watch({ signal: ac.signal, recent: 1 })) {
      seen.push({
        seq: d.seq,
        text: d.message.payload.text,
        snapshot: d.context.snapshot,
        recent: d.context.recentMessages.length,
      });
      if (d.seq === 1n)
        await from.send(to.agentId, { kind: "a", text: "2" }, { threadId: first.threadId });
      if (d.seq === 2n) break;
    }
    expect(seen).toEqual([
      { seq: 1n, text: "1", snapshot: { goal: "g" }, recent: 1 },
      { seq: 2n, text: "2", snapshot: {}, recent: 1 },
    ]);
    const resumed: bigint[] = [];
    await from.send(to.agentId, { kind: "a", text: "3" });
    for await (const d of to.watch({ after: 2n, context: false })) {
      resumed.push(d.seq);
      expect(d.context.recentMessages).toEqual([]);
      break;
    }
    expect(resumed).toEqual([3n]);
  });

  it('watch({ after: "latest" }) yields only mail sent once it is open, and resumes after it', async () => {
    const from = agent(`l-from-${protocol}@t`);
    const to = agent(`l-to-${protocol}@t`);
    await from.send(to.agentId, { kind: "old", text: "1" });
    await from.send(to.agentId, { kind: "old", text: "2" });
    const ac = new AbortController();
    const watch = to.watch({ after: "latest", signal: ac.signal, context: false });
    const open = new Promise<void>((resolve) =>
      watch.on("state", (c) => c.state === "open" && resolve()),
    );
    const seen: { seq: bigint; kind: string }[] = [];
    const consumer = (async () => {
      for await (const d of watch) {
        seen.push({ seq: d.seq, kind: d.message.payload.kind });
        if (d.seq === 3n) break;
      }
    })();
    await open;
    expect(watch.lastSeq).toBe(2n);
    await from.send(to.agentId, { kind: "new", text: "3" });
    await consumer;
    expect(seen).toEqual([{ seq: 3n, kind: "new" }]);
  });

  it("handoff options turn the snapshot into a handoff packet", async () => {
    const from = agent(`h-from-${protocol}@t`);
    const to = agent(`h-to-${protocol}@t`);
    await from.send(
      to.agentId,
      { kind: "task", text: "go" },
      {
        contextSnapshot: { goal: "brief", step: 3, _private: "x" } as Snap,
        handoff: {
          goal: "ship it",
          nextAction: "write",
          includeFields: ["goal", "step", "_private"],
        },
      },
    );
    const [d] = await to.unread();
    expect(d?.message.contextSnapshot).toMatchObject({
      version: 1,
      goal: "ship it",
      nextAction: "write",
      context: { goal: "brief", step: 3 },
      decisions: [],
      openQuestions: [],
      artifacts: {},
    });
    expect(JSON.stringify(d?.message.contextSnapshot)).not.toContain("_private");
  });

  it("refusals are typed: not_found, invalid_argument naming the field, too_large", async () => {
    const a = agent(`a-${protocol}@t`);
    const b = agent(`b-${protocol}@t`);
    const outsider = agent(`outsider-${protocol}@t`);
    await refused(a.thread("no-such-thread"), "not_found", /^thread: /);
    const { threadId } = await a.send(b.agentId, { kind: "x", text: "hi" });
    await refused(outsider.thread(threadId), "not_found");
    await refused(outsider.sync(threadId), "not_found");
    await refused(outsider.participants(threadId), "not_found");
    await refused(a.send([], { kind: "x", text: "" }), "invalid_argument", /\bto\b/);
    await refused(
      a.send(b.agentId, { kind: "x", text: "" }, { threadId: "no-such-thread" }),
      "not_found",
    );
    const big = { kind: "x", text: "y".repeat(1024 * 1024 + 1) };
    await refused(a.send(b.agentId, big), "too_large");
    // Checked before anything is sent, naming the field or option.
    const notJson = { kind: "x", text: 1n } as unknown as Task;
    await refused(
      a.send(b.agentId, notJson),
      "invalid_argument",
      /^send: payload is not a JSON value/,
    );
    await refused(
      a.send(b.agentId, { kind: "x", text: "" }, { contextSnapshot: [] as unknown as Snap }),
      "invalid_argument",
      /^send: contextSnapshot must be a JSON object/,
    );
    await refused(
      a.send(7 as unknown as string, { kind: "x", text: "" }),
      "invalid_argument",
      /^send: to/,
    );
    await refused(b.unread({ recent: -1 }), "invalid_argument", /unread: recent/);
    await refused(b.markRead(threadId, { upTo: -1 }), "invalid_argument", /markRead: upTo/);
    expect(() => createMailbox({ agentId: "", baseUrl: server.url })).toThrow(/agentId/);
    expect(() => createMailbox({ agentId: "x", baseUrl: "ftp://x" })).toThrow(/baseUrl/);
    expect(() => createMailbox({ agentId: "x", baseUrl: server.url, timeoutMs: -1 })).toThrow(
      /timeoutMs/,
    );
  });

  it("the validator hook checks inbound payloads; a refused one is a typed error naming the message", async () => {
    const sender = agent(`v-sender-${protocol}@t`);
    const strict = createMailbox<{ n: number }>({
      agentId: `v-reader-${protocol}@t`,
      baseUrl: server.url,
      protocol,
      validate: (p) => {
        if (typeof (p as { n?: unknown })?.n !== "number") throw new Error("n must be a number");
        return p as { n: number };
      },
    });
    try {
      await sender.send(strict.agentId, { n: 1 } as unknown as Task);
      const [ok] = await strict.unread();
      expect(ok?.message.payload.n).toBe(1);
      const bad = await sender.send(strict.agentId, { kind: "x", text: "no n" });
      const error = await refused(strict.unread(), "invalid_argument");
      expect(error.message).toContain(
        `unread: payload of message ${bad.messageId} from ${sender.agentId} failed validation: n must be a number`,
      );
      await refused(strict.thread(bad.threadId), "invalid_argument", /^thread: payload/);
      // A watch reports the refused delivery to an `invalid` listener and goes on.
      const last = await sender.send(strict.agentId, { n: 3 } as unknown as Task);
      const watch = strict.watch({ context: false });
      const invalid: string[] = [];
      watch.on("invalid", (i) => invalid.push(`${i.seq}:${i.messageId}:${i.error.reason}`));
      const good: bigint[] = [];
      for await (const d of watch) {
        good.push(d.seq);
        if (d.message.id === last.messageId) break;
      }
      expect(good).toEqual([1n, 3n]);
      expect(invalid).toEqual([`2:${bad.messageId}:invalid_argument`]);
    } finally {
      strict.close();
    }
  });
});

describe("signal and timeout", () => {
  it("a call to a server that never answers times out with reason timeout; an abort is reason aborted", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    const m = createMailbox<JsonValue>({ agentId: "t@t", baseUrl: `http://127.0.0.1:${port}` });
    try {
      await refused(m.unread({ timeoutMs: 100 }), "timeout", /unread: timed out/);
      const ac = new AbortController();
      const pending = m.threads({ signal: ac.signal, timeoutMs: 0 });
      ac.abort();
      await refused(pending, "aborted", /threads: aborted by the caller/);
      const already = new AbortController();
      already.abort();
      await refused(m.register({ signal: already.signal }), "aborted");
    } finally {
      m.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
