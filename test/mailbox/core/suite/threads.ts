/**
 * Threads: registration, thread reuse by visible participant set (current and
 * creation set), deliveredTo, reply-all targets, participants with roles and
 * order, and the mailbox listing.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { StoreBackend } from "../../store/backends.js";
import { expectFailure, useMailbox } from "./harness.js";

/** The thread semantics, against one backend. */
export function threadsSuite(backend: StoreBackend): void {
  const open = useMailbox(backend);

  describe("registration and thread reuse", () => {
    it("registers an agent once; a send registers every agent it names", async () => {
      const { core } = await open();
      expect(await core.register("alice")).toEqual({ agentId: "alice", created: true });
      expect(await core.register("alice")).toEqual({ agentId: "alice", created: false });
      await core.send({ from: "bob", to: ["carol"], cc: ["dave"], bcc: ["erin"] });
      for (const a of ["bob", "carol", "dave", "erin"])
        expect(await core.register(a)).toEqual({ agentId: a, created: false });
    });

    it("reuses the thread of the same visible set (from, to, cc as a set); bcc does not matter", async () => {
      const { core } = await open();
      const first = await core.send({ from: "a", to: ["b"], cc: ["c"], bcc: ["x"] });
      const same = await core.send({ from: "c", to: ["a", "b"], bcc: ["y"] });
      const other = await core.send({ from: "a", to: ["b"] });
      expect(same.threadId).toBe(first.threadId);
      expect(other.threadId).not.toBe(first.threadId);
      const t = await core.thread(first.threadId, "a");
      expect(t.participants).toEqual(["a", "b", "c"]);
      expect(t.messages.map((m) => m.id)).toEqual([first.messageId, same.messageId]);
    });

    it("a thread grown by an explicit threadId matches its current set and its creation set", async () => {
      const { core } = await open();
      const t = (await core.send({ from: "a", to: ["b"] })).threadId;
      await core.send({ from: "a", to: ["c"], threadId: t });
      expect((await core.thread(t, "a")).participants).toEqual(["a", "b", "c"]);
      expect((await core.send({ from: "a", to: ["b"] })).threadId).toBe(t);
      expect((await core.send({ from: "c", to: ["b", "a"] })).threadId).toBe(t);
      expect((await core.send({ from: "b", to: ["c"] })).threadId).not.toBe(t);
    });

    it("keeps participants sorted by code unit", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "émile", to: ["alice"], cc: ["Zed", "bob"] });
      expect((await core.thread(threadId, "alice")).participants).toEqual([
        "Zed",
        "alice",
        "bob",
        "émile",
      ]);
    });

    it("an unknown threadId is not_found and stores nothing", async () => {
      const { core } = await open();
      await expectFailure(
        core.send({ from: "a", to: ["b"], threadId: "nope" }),
        "not_found",
        Code.NotFound,
        /threadId: thread nope not found/,
      );
      expect((await core.mailbox("a")).total).toBe(0);
      expect(await core.register("b")).toEqual({ agentId: "b", created: true });
    });

    it("only a member may post into a thread by its id (not_found otherwise, nothing stored)", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "a", to: ["b"] });
      await expectFailure(
        core.send({ from: "mallory", to: ["b"], threadId }),
        "not_found",
        Code.NotFound,
        /not found/,
      );
      expect((await core.thread(threadId, "a")).messages).toHaveLength(1);
      expect((await core.mailbox("mallory")).total).toBe(0);
    });
  });

  describe("deliveredTo and reply-all", () => {
    it("deliveredTo is the distinct to, cc, bcc without the sender, in that order", async () => {
      const { core } = await open();
      const r = await core.send({
        from: "a",
        to: ["b", "a", "b"],
        cc: ["c", "b"],
        bcc: ["d", "c"],
      });
      expect(r.deliveredTo).toEqual(["b", "c", "d"]);
      expect(r.deliveries.map((d) => d.agentId)).toEqual(["b", "c", "d"]);
    });

    it("reply-all goes to the first other visible participant, cc the rest, never to bcc", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "b", to: ["c"], cc: ["a"], bcc: ["z"] });
      const r = await core.replyAll({ from: "c", threadId, payload: "ok" });
      expect(r.deliveredTo).toEqual(["a", "b"]);
      const t = await core.thread(threadId, "c");
      const reply = t.messages.at(-1)!;
      expect({ to: reply.to, cc: reply.cc, bcc: reply.bcc }).toEqual({
        to: ["a"],
        cc: ["b"],
        bcc: undefined,
      });
      expect((await core.unread("z")).map((f) => f.message.payload)).toEqual([null]);
    });

    it("reply-all with no other visible participant is invalid_argument; unknown or foreign thread not_found", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "a", to: ["a"] });
      await expectFailure(
        core.replyAll({ from: "a", threadId }),
        "invalid_argument",
        Code.InvalidArgument,
        /threadId: the thread has no other visible participant/,
      );
      await expectFailure(
        core.replyAll({ from: "a", threadId: "missing" }),
        "not_found",
        Code.NotFound,
        /missing not found/,
      );
      const other = (await core.send({ from: "b", to: ["c"] })).threadId;
      await expectFailure(
        core.replyAll({ from: "a", threadId: other }),
        "not_found",
        Code.NotFound,
        /not found/,
      );
      expect((await core.thread(other, "b")).messages).toHaveLength(1);
    });
  });

  describe("participants", () => {
    it("lists everyone with the highest role (to > cc > bcc, a sender is to) in joining order", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "a", to: ["b"], cc: ["c", "d"], bcc: ["e"] });
      await core.send({ from: "a", to: ["c"], cc: ["f"], threadId });
      await core.send({ from: "d", to: ["a"], threadId });
      const roles = (await core.participants(threadId, "a")).map((p) => [p.agentId, p.role]);
      expect(roles).toEqual([
        ["a", "to"],
        ["b", "to"],
        ["c", "to"],
        ["d", "to"],
        ["e", "bcc"],
        ["f", "cc"],
      ]);
      const joined = (await core.participants(threadId, "a")).map((p) => p.joinedAt);
      expect([...joined].sort((x, y) => x - y)).toEqual(joined);
    });

    it("answers thread and participants only to members (not_found otherwise, or without as)", async () => {
      const { core } = await open();
      const { threadId } = await core.send({ from: "a", to: ["b"] });
      for (const as of ["mallory", ""]) {
        await expectFailure(core.thread(threadId, as), "not_found", Code.NotFound, /not found/);
        await expectFailure(
          core.participants(threadId, as),
          "not_found",
          Code.NotFound,
          /not found/,
        );
        await expectFailure(core.sync(threadId, as), "not_found", Code.NotFound, /not found/);
      }
      await expectFailure(core.thread("missing", "a"), "not_found", Code.NotFound, /not found/);
    });
  });

  describe("the mailbox listing", () => {
    it("pages the agent's threads, most recently updated first, with total and the unread count", async () => {
      const { core } = await open();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await core.send({ from: `s${i}`, to: ["me"] })).threadId);
      await core.send({ from: "s1", to: ["me"], payload: "again" });
      await core.send({ from: "me", to: ["s3"] });
      await core.markRead("me", ids[4]!);
      const page = await core.mailbox("me", { limit: 2, offset: 1 });
      expect(page.threads.map((t) => t.id)).toEqual([ids[1], ids[4]]);
      expect({ total: page.total, limit: page.limit, offset: page.offset }).toEqual({
        total: 5,
        limit: 2,
        offset: 1,
      });
      expect(page.unreadCount).toBe(5);
      expect((await core.unread("me")).length).toBe(page.unreadCount);
      const all = await core.mailbox("me");
      expect(all.threads.map((t) => t.id)).toEqual([ids[3], ids[1], ids[4], ids[2], ids[0]]);
      expect(all.threads[1]!.messages.map((m) => m.payload)).toEqual([null, "again"]);
    });

    it("clamps limit to 1..1000 (100 by default) and offset to >= 0; an unknown agent has an empty mailbox", async () => {
      const { core } = await open();
      await core.send({ from: "a", to: ["b"] });
      expect((await core.mailbox("b")).limit).toBe(100);
      expect((await core.mailbox("b", { limit: 5000 })).limit).toBe(1000);
      const low = await core.mailbox("b", { limit: 0, offset: -3 });
      expect({ limit: low.limit, offset: low.offset, n: low.threads.length }).toEqual({
        limit: 1,
        offset: 0,
        n: 1,
      });
      expect(await core.mailbox("nobody")).toEqual({
        threads: [],
        unreadCount: 0,
        total: 0,
        limit: 100,
        offset: 0,
      });
      expect(await core.unread("nobody")).toEqual([]);
    });
  });
}
