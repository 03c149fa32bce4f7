/**
 * Context (spec semantics 7, 9, 10): recent messages, snapshot, the plain
 * summary within its budget, the structured summary from 20 uncovered older
 * messages on, the summarize hook, tokenCount, sync, and handoff packets.
 */
import { describe, expect, it } from "vitest";
import type { SummarizeInput } from "../../../../src/mailbox/core/core-options.js";
import type { MailboxCore } from "../../../../src/mailbox/core/mailbox-types.js";
import type { StoreBackend } from "../../store/backends.js";
import { useMailbox } from "./harness.js";

/** Sends `n` messages a → b in one thread (payload i, snapshot {step: i}); returns the message ids. */
async function thread(core: MailboxCore, n: number, payload = (i: number): unknown => i) {
  const ids: string[] = [];
  let threadId = "";
  for (let i = 0; i < n; i++) {
    const r = await core.send({
      from: "a",
      to: ["b"],
      payload: payload(i) as never,
      contextSnapshot: { step: i },
    });
    ids.push(r.messageId);
    threadId = r.threadId;
  }
  return { ids, threadId };
}

const line = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] a → b: /;

/** Context, summaries and handoff, against one backend. */
export function contextSuite(backend: StoreBackend): void {
  const open = useMailbox(backend);

  describe("context", () => {
    it("carries the last 10 messages, the latest snapshot, a summary line per older message, tokenCount", async () => {
      const { core } = await open();
      const { ids } = await thread(core, 13, (i) => (i === 1 ? { x: 1 } : `p${i}`));
      const ctx = (await core.unread("b"))[0]!.context;
      expect(ctx.recentMessages.map((m) => m.id)).toEqual(ids.slice(3));
      expect(ctx.snapshot).toEqual({ step: 12 });
      const lines = ctx.threadSummary.split("\n");
      expect(lines).toHaveLength(3);
      for (const l of lines) expect(l).toMatch(line);
      expect(lines.map((l) => l.replace(line, ""))).toEqual(["p0", '{"x":1}', "p2"]);
      const recentText = ctx.recentMessages.map((m) => m.payload as string).join("\n");
      expect(ctx.tokenCount).toBe(Math.ceil(`${ctx.threadSummary}\n${recentText}`.length / 4));
      expect(ctx).not.toHaveProperty("threadSummaryStructured");
    });

    it("has an empty summary without older messages, and clamps recent to 1..50", async () => {
      const { core } = await open();
      const { threadId } = await thread(core, 60);
      const short = await core.sync(threadId, "b", { recent: 0 });
      expect(short.recentMessages).toHaveLength(1);
      expect((await core.sync(threadId, "b", { recent: 500 })).recentMessages).toHaveLength(50);
      const { threadId: small } = await thread(core, 1);
      expect(small).toBe(threadId);
      const m = await open();
      const t = await thread(m.core, 3);
      expect((await m.core.sync(t.threadId, "a")).threadSummary).toBe("");
    });

    it("keeps the plain summary within its token budget and never empty", async () => {
      const { core } = await open({ summaryTokenBudget: 50 });
      const { threadId } = await thread(core, 40, (i) => `${"x".repeat(30)} ${i}`);
      const ctx = await core.sync(threadId, "b");
      expect(ctx.threadSummary.length).toBeLessThanOrEqual(200);
      const lines = ctx.threadSummary.split("\n");
      expect(lines[0]).toMatch(/^\[\d+ earlier messages not shown\]$/);
      expect(lines.at(-1)).toMatch(/x{30} 29$/);
      const huge = await open({ summaryTokenBudget: 16 });
      const t = await thread(huge.core, 11, () => "y".repeat(10_000));
      const cut = (await huge.core.sync(t.threadId, "b")).threadSummary;
      expect(cut.length).toBeGreaterThan(0);
      expect(cut.length).toBeLessThanOrEqual(64);
    });

    it("from 20 uncovered older messages on, a structured summary covering them", async () => {
      const { core } = await open();
      const t = await thread(core, 29);
      expect(await core.sync(t.threadId, "b")).not.toHaveProperty("threadSummaryStructured");
      const last = await core.send({ from: "a", to: ["b"], payload: 29 });
      const ctx = await core.sync(t.threadId, "b");
      const s = ctx.threadSummaryStructured!;
      expect(s.coversMessageIds).toEqual(t.ids.slice(0, 20));
      expect({ d: s.decisions, q: s.openQuestions, a: s.artifacts }).toEqual({
        d: [],
        q: [],
        a: {},
      });
      expect(s.text.split("\n")).toHaveLength(20);
      expect(typeof s.generatedAt).toBe("number");
      expect(ctx.recentMessages.at(-1)!.id).toBe(last.messageId);
      // Saved: a few more messages keep the same summary until 20 more are uncovered.
      for (let i = 0; i < 5; i++) await core.send({ from: "a", to: ["b"] });
      const later = (await core.sync(t.threadId, "b")).threadSummaryStructured!;
      expect(later.coversMessageIds).toEqual(s.coversMessageIds);
      expect(later.generatedAt).toBe(s.generatedAt);
      // 20 uncovered again: a new summary replaces the saved one, and is what later reads get.
      const ids = [...t.ids, last.messageId];
      for (let i = 0; i < 15; i++) await core.send({ from: "a", to: ["b"] });
      const renewed = (await core.sync(t.threadId, "b")).threadSummaryStructured!;
      expect(renewed.coversMessageIds).toHaveLength(40);
      expect(renewed.coversMessageIds.slice(0, 30)).toEqual(ids.slice(0, 30));
      const again = (await core.sync(t.threadId, "b")).threadSummaryStructured!;
      expect(again.coversMessageIds).toEqual(renewed.coversMessageIds);
      expect(again.text).toBe(renewed.text);
    });

    it("a summarize hook makes the structured summary and leads the threadSummary", async () => {
      const calls: SummarizeInput[] = [];
      const { core } = await open({
        summarize: async (input) => {
          calls.push(input);
          return { text: `summary of ${input.messages.length}`, decisions: ["use sqlite"] };
        },
      });
      const t = await thread(core, 35);
      const [a, b] = await Promise.all([core.sync(t.threadId, "b"), core.unread("b")]);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.messages.map((m) => m.id)).toEqual(t.ids.slice(0, 25));
      expect(calls[0]!.previous).toBeUndefined();
      expect(a.threadSummaryStructured).toMatchObject({
        text: "summary of 25",
        decisions: ["use sqlite"],
        openQuestions: [],
      });
      expect(a.threadSummary).toBe("summary of 25");
      expect(b[0]!.context.threadSummaryStructured?.text).toBe("summary of 25");
      expect(calls).toHaveLength(1);
    });

    it("a failing summarize hook falls back to the plain summary, and is tried again later", async () => {
      let fail = true;
      const { core } = await open({
        summarize: async () => {
          if (fail) throw new Error("model down");
          return { text: "fine now" };
        },
      });
      const t = await thread(core, 30);
      const ctx = await core.sync(t.threadId, "b");
      expect(ctx.threadSummary.split("\n")).toHaveLength(20);
      expect(ctx.threadSummaryStructured?.coversMessageIds).toHaveLength(20);
      fail = false;
      expect((await core.sync(t.threadId, "b")).threadSummaryStructured?.text).toBe("fine now");
    });

    it("an unread answer holding a failed summariser's fallback is not kept: the next listing tries again", async () => {
      let fail = true;
      const { core } = await open({
        summarize: async () => {
          if (fail) throw new Error("model down");
          return { text: "fine now" };
        },
      });
      await thread(core, 30);
      const first = await core.unread("b");
      expect(first[0]!.context.threadSummaryStructured?.text).not.toBe("fine now");
      fail = false;
      const again = await core.unread("b");
      expect(again[0]).not.toBe(first[0]);
      expect(again[0]!.context.threadSummaryStructured?.text).toBe("fine now");
      // Once final, the answer is kept.
      expect((await core.unread("b"))[0]).toBe(again[0]);
    });

    it("sync answers the context an unread frame carries", async () => {
      const { core } = await open();
      const t = await thread(core, 12);
      const frame = (await core.unread("b", { recent: 4 }))[0]!;
      expect(await core.sync(t.threadId, "b", { recent: 4 })).toEqual(frame.context);
    });
  });

  describe("handoff", () => {
    it("replaces the snapshot with a handoff packet from the given snapshot", async () => {
      const { core } = await open();
      const first = await core.send({ from: "a", to: ["b"], payload: { task: " research X " } });
      await core.send({
        from: "b",
        to: ["c"],
        threadId: first.threadId,
        payload: "over to you",
        contextSnapshot: { _route: 1, handoff: "old", keep: "k", big: "z".repeat(300), small: 2 },
        handoff: { nextAction: "write it up", maxContextBytes: 256 },
      });
      const stored = (await core.unread("c"))[0]!.message.contextSnapshot;
      expect(stored).toEqual({
        version: 1,
        goal: "research X",
        nextAction: "write it up",
        context: { keep: "k", small: 2 },
        decisions: [],
        openQuestions: [],
        artifacts: {},
        sourceThreadId: first.threadId,
        generatedAt: expect.any(Number),
      });
      expect(Object.keys(stored)).toEqual([
        "version",
        "goal",
        "nextAction",
        "context",
        "decisions",
        "openQuestions",
        "artifacts",
        "sourceThreadId",
        "generatedAt",
      ]);
    });

    it("takes the latest message's snapshot, includeFields, the goal option and the summary's decisions", async () => {
      const { core } = await open({
        summarize: async () => ({
          text: "s",
          decisions: ["d1"],
          openQuestions: ["q1"],
          artifacts: { f: "x.md" },
        }),
      });
      const t = await thread(core, 30);
      await core.sync(t.threadId, "b");
      const r = await core.replyAll({
        from: "b",
        threadId: t.threadId,
        handoff: { goal: "finish", includeFields: ["step", "other"] },
      });
      const stored = (await core.unread("a"))[0]!;
      expect(stored.message.id).toBe(r.messageId);
      expect(stored.message.contextSnapshot).toMatchObject({
        goal: "finish",
        context: { step: 29 },
        decisions: ["d1"],
        openQuestions: ["q1"],
        artifacts: { f: "x.md" },
      });
    });
  });
}
