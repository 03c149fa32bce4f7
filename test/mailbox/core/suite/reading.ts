/**
 * Reading: unread lists and read cursors (legacy and typed), delivery
 * sequences (gap-free per recipient), Watch's deliveries and wakes, and the
 * cursor race of hundreds of overlapping sends and reads.
 */
import { describe, expect, it } from "vitest";
import type { StoreBackend } from "../../store/backends.js";
import { useMailbox } from "./harness.js";

/** Reading and cursors, against one backend. */
export function readingSuite(backend: StoreBackend): void {
  const open = useMailbox(backend);

  describe("unread and read", () => {
    it("lists what was addressed to the agent by others, oldest first, until read", async () => {
      const { core } = await open();
      const t1 = await core.send({ from: "a", to: ["me"], payload: 1 });
      await core.send({ from: "me", to: ["a"], payload: "mine" });
      const t2 = await core.send({ from: "b", to: ["c"], cc: ["me"], payload: 2 });
      await core.send({ from: "b", to: ["c"], payload: "not to me" });
      const t3 = await core.send({ from: "d", to: ["e"], bcc: ["me"], payload: 3 });
      const frames = await core.unread("me");
      expect(frames.map((f) => f.message.payload)).toEqual([1, 2, 3]);
      expect(frames.map((f) => f.seq)).toEqual([1n, 2n, 3n]);
      expect(await core.markRead("me", t2.threadId)).toEqual({ upToSeq: 2n });
      expect((await core.unread("me")).map((f) => f.message.id)).toEqual([
        t1.messageId,
        t3.messageId,
      ]);
      expect((await core.mailbox("me")).unreadCount).toBe(2);
      // Mail arriving in the thread right after the read is not swallowed.
      const t4 = await core.send({ from: "b", to: ["c"], cc: ["me"], payload: 4 });
      expect(t4.threadId).toBe(t2.threadId);
      expect((await core.unread("me")).map((f) => f.message.payload)).toEqual([1, 3, 4]);
    });

    it("read of an unknown thread or one the agent has nothing in answers 0", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "a", to: ["b"] });
      expect(await core.markRead("a", "no-such-thread")).toEqual({ upToSeq: 0n });
      expect(await core.markRead("a", threadId)).toEqual({ upToSeq: 0n });
      expect(await core.unread("b")).toHaveLength(1);
    });

    it("a typed read up to a sequence keeps what came after it; the cursor never moves back", async () => {
      const { core } = await open();
      const sends = [];
      for (let i = 0; i < 4; i++)
        sends.push(await core.send({ from: "a", to: ["me"], payload: i }));
      const threadId = sends[0]!.threadId;
      expect(await core.markRead("me", threadId, { upToSeq: 2n })).toEqual({ upToSeq: 2n });
      expect((await core.unread("me")).map((f) => f.seq)).toEqual([3n, 4n]);
      expect((await core.mailbox("me")).unreadCount).toBe(2);
      expect(await core.markRead("me", threadId, { upToSeq: 1n })).toEqual({ upToSeq: 2n });
      // Beyond what was delivered: clamped, so a later delivery stays unread.
      expect(await core.markRead("me", threadId, { upToSeq: 99n })).toEqual({ upToSeq: 4n });
      await core.send({ from: "a", to: ["me"], payload: "later" });
      expect((await core.unread("me")).map((f) => [f.seq, f.message.payload])).toEqual([
        [5n, "later"],
      ]);
    });

    it("unread after a sequence and with a limit", async () => {
      const { core } = await open();
      for (let i = 0; i < 5; i++) await core.send({ from: `s${i % 2}`, to: ["me"], payload: i });
      expect((await core.unread("me", { afterSeq: 2n })).map((f) => f.seq)).toEqual([3n, 4n, 5n]);
      expect((await core.unread("me", { limit: 2 })).map((f) => f.seq)).toEqual([1n, 2n]);
    });

    it("frames of the same thread share one context object", async () => {
      const { core } = await open();
      for (let i = 0; i < 3; i++) await core.send({ from: "a", to: ["me"], payload: i });
      await core.send({ from: "b", to: ["me"] });
      const frames = await core.unread("me");
      expect(frames[0]!.context).toBe(frames[1]!.context);
      expect(frames[0]!.context).toBe(frames[2]!.context);
      expect(frames[3]!.context).not.toBe(frames[0]!.context);
      // The next answer reuses the built context while the thread is unchanged...
      const again = await core.unread("me");
      expect(again[0]!.context).toBe(frames[0]!.context);
      // ...and builds a new one once it has a new message.
      const next = await core.send({ from: "a", to: ["me"], payload: "new" });
      const after = await core.unread("me");
      expect(after[0]!.context).not.toBe(frames[0]!.context);
      expect(after[0]!.context.recentMessages.at(-1)!.id).toBe(next.messageId);
      expect(after.map((f) => f.message.payload)).toEqual([0, 1, 2, null, "new"]);
    });
  });

  describe("unread answers kept across calls", () => {
    it("are reused while nothing changed, and never once a delivery, a read or a message in their threads changed them", async () => {
      const { core } = await open();
      const t1 = await core.send({ from: "a", to: ["me"], payload: 1 });
      const t2 = await core.send({ from: "b", to: ["me"], payload: 2 });
      const first = await core.unread("me");
      const again = await core.unread("me");
      // The same frames, read-only, in a fresh array each time.
      expect(again).not.toBe(first);
      expect(again[0]).toBe(first[0]);
      expect(Object.isFrozen(again[0])).toBe(true);
      again.pop();
      expect((await core.unread("me")).map((f) => f.message.payload)).toEqual([1, 2]);
      // Other options are other answers.
      expect((await core.unread("me", { limit: 1 })).map((f) => f.message.payload)).toEqual([1]);
      expect((await core.unread("me", { afterSeq: 1n })).map((f) => f.seq)).toEqual([2n]);
      expect((await core.unread("me", { recent: 1 }))[0]!.context.recentMessages).toHaveLength(1);

      // A new delivery.
      await core.send({ from: "a", to: ["me"], payload: 3 });
      const afterSend = await core.unread("me");
      expect(afterSend.map((f) => f.message.payload)).toEqual([1, 2, 3]);
      expect(afterSend[0]).not.toBe(first[0]);

      // A message by the reader itself: no delivery to it, but its thread's context changed.
      const mine = await core.send({ from: "me", to: ["a"], payload: "mine" });
      expect(mine.threadId).toBe(t1.threadId);
      const afterMine = await core.unread("me");
      expect(afterMine.map((f) => f.message.payload)).toEqual([1, 2, 3]);
      expect(afterMine[0]!.context.recentMessages.at(-1)!.id).toBe(mine.messageId);

      // A message in the reader's thread addressed to someone else.
      const aside = await core.send({
        from: "b",
        to: ["c"],
        threadId: t2.threadId,
        payload: "aside",
      });
      const afterAside = await core.unread("me");
      expect(afterAside.map((f) => f.message.payload)).toEqual([1, 2, 3]);
      expect(afterAside[1]!.context.recentMessages.at(-1)!.id).toBe(aside.messageId);

      // Reads, up to a sequence and then all of a thread.
      await core.markRead("me", t1.threadId, { upToSeq: 1n });
      expect((await core.unread("me")).map((f) => f.message.payload)).toEqual([2, 3]);
      await core.markRead("me", t2.threadId);
      expect((await core.unread("me")).map((f) => f.message.payload)).toEqual([3]);
      await core.markRead("me", t1.threadId);
      expect(await core.unread("me")).toEqual([]);
      await core.send({ from: "b", to: ["me"], payload: 4 });
      expect((await core.unread("me")).map((f) => f.message.payload)).toEqual([4]);
    });

    it("hold answers of at most unreadCacheBytes in all (estimated from payloads and contexts), the least recently used going first (0: none)", async () => {
      // One frame with a 1 kB payload, and its context: about 4 kB; four of them in one thread: about 13 kB.
      const { core } = await open({ unreadCacheBytes: 6000 });
      const kb = "x".repeat(1000);
      await core.send({ from: "a", to: ["r1", "r2"], payload: kb });
      for (let i = 0; i < 4; i++) await core.send({ from: "b", to: ["big"], payload: kb });
      const kept = async (reader: string) => {
        const before = await core.unread(reader);
        return (await core.unread(reader))[0] === before[0];
      };
      // Over the bound: never kept.
      expect(await kept("big")).toBe(false);
      expect(await kept("r1")).toBe(true);
      // r2's answer pushes r1's out.
      const r1 = await core.unread("r1");
      await core.unread("r2");
      expect((await core.unread("r2"))[0]).toBe((await core.unread("r2"))[0]);
      expect((await core.unread("r1"))[0]).not.toBe(r1[0]);
      const none = (await open({ unreadCacheBytes: 0 })).core;
      await none.send({ from: "a", to: ["me"] });
      expect((await none.unread("me"))[0]).not.toBe((await none.unread("me"))[0]);
    });
  });

  describe("delivery sequences and wakes", () => {
    it("numbers each recipient's deliveries 1, 2, 3, ... with no gap, under concurrent sends", async () => {
      const { core } = await open();
      const senders = ["s1", "s2", "s3", "s4"];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          core.send({
            from: senders[i % 4]!,
            to: [i % 3 === 0 ? "r1" : "r2"],
            cc: i % 5 === 0 ? ["r3"] : [],
            bcc: ["r4"],
            payload: i,
          }),
        ),
      );
      for (const r of ["r1", "r2", "r3", "r4"]) {
        const seqs = results
          .flatMap((x) => x.deliveries.filter((d) => d.agentId === r))
          .map((d) => d.seq);
        const sorted = [...seqs].sort((x, y) => (x < y ? -1 : 1));
        expect(sorted).toEqual(sorted.map((_, i) => BigInt(i + 1)));
        const stored = (await core.deliveries(r, 0n, 1000)).map((d) => d.seq);
        expect(stored).toEqual(sorted);
        expect(await core.latestSeq(r)).toBe(BigInt(seqs.length));
      }
      expect(await core.latestSeq("nobody")).toBe(0n);
    });

    it("deliveries after a sequence are every later delivery, read or not, once", async () => {
      const { core } = await open();
      for (let i = 0; i < 6; i++) await core.send({ from: "a", to: ["me"], payload: i });
      await core.markRead("me", (await core.unread("me"))[0]!.message.threadId);
      const page1 = await core.deliveries("me", 0n, 4);
      const page2 = await core.deliveries("me", page1.at(-1)!.seq, 4);
      expect([...page1, ...page2].map((d) => d.message.payload)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it("wakes an agent's subscribers after a delivery commits, until they unsubscribe", async () => {
      const { core } = await open();
      const woken: string[] = [];
      const stopB = core.subscribe("b", () => woken.push("b"));
      core.subscribe("c", () => woken.push("c"));
      core.subscribe("b", () => {
        throw new Error("a broken listener");
      });
      let seenAtWake: bigint | undefined;
      const stopCheck = core.subscribe("b", () => {
        void core.latestSeq("b").then((s) => {
          seenAtWake = s;
        });
      });
      await core.send({ from: "a", to: ["b"] });
      expect(woken).toEqual(["b"]);
      await core.latestSeq("b");
      expect(seenAtWake).toBe(1n);
      stopB();
      stopCheck();
      await core.send({ from: "a", to: ["b"], cc: ["c"] });
      expect(woken).toEqual(["b", "c"]);
    });
  });

  describe("the cursor race", () => {
    it("hundreds of overlapping sends and reads: nothing counted but unlisted, nothing swallowed after a read", async () => {
      const { core } = await open();
      const reader = "reader";
      const threads = ["p", "q"];
      const sent: { id: string; threadId: string; seq: bigint; started: number }[] = [];
      const listed = new Set<string>();
      const reads: { threadId: string; upTo: bigint; resolved: number }[] = [];
      let clock = 0;
      // Event-loop turns (not time): sends and reads spread over about 60 turns.
      const turns = async (n: number) => {
        for (let k = 0; k < n; k++) await new Promise<void>((r) => setImmediate(r));
      };
      const senders = Array.from({ length: 300 }, async (_, i) => {
        await turns((i * 7) % 61);
        const started = ++clock;
        const r = await core.send({
          from: threads[(i * i + 3 * i) % 5 < 3 ? 0 : 1]!,
          to: [reader],
          payload: i,
        });
        sent.push({ id: r.messageId, threadId: r.threadId, seq: r.deliveries[0]!.seq, started });
      });
      const readers = Array.from({ length: 150 }, async (_, i) => {
        await turns((i * 13) % 67);
        const { unreadCount } = await core.mailbox(reader);
        const frames = await core.unread(reader);
        // Only sends can come in between (this is the only reader), so all counted is listed.
        expect(frames.length).toBeGreaterThanOrEqual(unreadCount);
        for (const f of frames) listed.add(f.message.id);
        const seqs = frames.map((f) => f.seq);
        expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
        const threadId = frames[i % Math.max(1, frames.length)]?.message.threadId;
        if (threadId) {
          const { upToSeq } = await core.markRead(reader, threadId);
          reads.push({ threadId, upTo: upToSeq, resolved: ++clock });
        }
      });
      await Promise.all([...senders, ...readers]);
      expect(reads.length).toBeGreaterThan(50);
      for (const f of await core.unread(reader)) listed.add(f.message.id);
      expect(sent).toHaveLength(300);
      for (const m of sent) {
        // A read never covers a message whose send started after the read answered.
        for (const r of reads)
          if (r.threadId === m.threadId && m.started > r.resolved)
            expect(m.seq).toBeGreaterThan(r.upTo);
        // A message never listed was covered by a read of its thread.
        if (!listed.has(m.id))
          expect(reads.some((r) => r.threadId === m.threadId && r.upTo >= m.seq)).toBe(true);
      }
      expect((await core.mailbox(reader)).unreadCount).toBe((await core.unread(reader)).length);
    });
  });
}
