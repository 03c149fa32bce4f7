/**
 * BCC privacy in every view: `bcc` only in its sender's view (unread frames,
 * recent messages, thread messages, deliveries, listing), a silent participant
 * only to itself and its blind-copiers, never to the other bcc recipients.
 */
import { expect, it } from "vitest";
import type { MailMessage } from "../../../../src/mailbox/core/mailbox-types.js";
import type { StoreBackend } from "../../store/backends.js";
import { useMailbox } from "./harness.js";

/** BCC privacy, against one backend. */
export function privacySuite(backend: StoreBackend): void {
  const open = useMailbox(backend);

  /** A thread: a → b cc c, bcc x and y; then d (added by b) bcc z. */
  async function scene() {
    const m = await open();
    const first = await m.core.send({
      from: "a",
      to: ["b"],
      cc: ["c"],
      bcc: ["x", "y"],
      payload: "hello",
    });
    const second = await m.core.send({
      from: "b",
      to: ["a"],
      bcc: ["z"],
      threadId: first.threadId,
      payload: "second",
    });
    return { ...m, threadId: first.threadId, first, second };
  }

  /** Every message view an agent gets anywhere, tagged by where. */
  async function everyView(s: Awaited<ReturnType<typeof scene>>, agent: string) {
    const { core, threadId } = s;
    const views: [string, MailMessage][] = [];
    for (const f of await core.unread(agent)) {
      views.push(["unread", f.message]);
      for (const r of f.context.recentMessages) views.push(["unread context", r]);
    }
    for (const d of await core.deliveries(agent, 0n, 100)) views.push(["deliveries", d.message]);
    for (const t of (await core.mailbox(agent)).threads)
      for (const m of t.messages) views.push(["mailbox", m]);
    for (const m of (await core.thread(threadId, agent)).messages) views.push(["thread", m]);
    for (const m of (await core.sync(threadId, agent)).recentMessages) views.push(["sync", m]);
    return views;
  }

  it("shows bcc only to the message's sender, in every view", async () => {
    const s = await scene();
    for (const agent of ["a", "b", "c", "x", "y", "z"]) {
      const views = await everyView(s, agent);
      expect(views.length).toBeGreaterThan(0);
      for (const [where, m] of views) {
        const expected =
          m.from === agent ? (m.id === s.first.messageId ? ["x", "y"] : ["z"]) : undefined;
        expect({ agent, where, id: m.id, bcc: m.bcc }).toEqual({
          agent,
          where,
          id: m.id,
          bcc: expected,
        });
      }
    }
  });

  it("a bcc recipient gets the message in its unread list, without the bcc field", async () => {
    const s = await scene();
    const frames = await s.core.unread("x");
    expect(frames.map((f) => f.message.id)).toEqual([s.first.messageId]);
    expect(frames[0]!.message).not.toHaveProperty("bcc");
    expect(frames[0]!.message.cc).toEqual(["c"]);
  });

  it("silentParticipants: all a sender blind-copied, only itself to a bcc recipient, none to others", async () => {
    const s = await scene();
    const silent = async (agent: string) =>
      (await s.core.thread(s.threadId, agent)).silentParticipants;
    expect(await silent("a")).toEqual(["x", "y"]);
    expect(await silent("b")).toEqual(["z"]);
    expect(await silent("c")).toEqual([]);
    expect(await silent("x")).toEqual(["x"]);
    expect(await silent("y")).toEqual(["y"]);
    expect(await silent("z")).toEqual(["z"]);
    const listed = (await s.core.mailbox("x")).threads[0]!;
    expect(listed.silentParticipants).toEqual(["x"]);
  });

  it("participants: a bcc member is listed only to itself and to its blind-copier", async () => {
    const s = await scene();
    const names = async (agent: string) =>
      (await s.core.participants(s.threadId, agent)).map((p) => `${p.agentId}:${p.role}`);
    expect(await names("a")).toEqual(["a:to", "b:to", "c:cc", "x:bcc", "y:bcc"]);
    expect(await names("b")).toEqual(["a:to", "b:to", "c:cc", "z:bcc"]);
    expect(await names("c")).toEqual(["a:to", "b:to", "c:cc"]);
    expect(await names("x")).toEqual(["a:to", "b:to", "c:cc", "x:bcc"]);
    expect(await names("z")).toEqual(["a:to", "b:to", "c:cc", "z:bcc"]);
  });

  it("a member once blind-copied and later visible does not reveal its bcc to others", async () => {
    const m = await open();
    const { threadId } = await m.core.send({ from: "a", to: ["b"], bcc: ["x"] });
    await m.core.send({ from: "b", to: ["x"], threadId });
    const toB = await m.core.participants(threadId, "b");
    expect(toB.map((p) => `${p.agentId}:${p.role}`)).toEqual(["a:to", "b:to", "x:to"]);
    expect((await m.core.thread(threadId, "b")).silentParticipants).toEqual([]);
    expect((await m.core.thread(threadId, "a")).silentParticipants).toEqual(["x"]);
  });
}
