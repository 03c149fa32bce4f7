/**
 * Bad input and limits (errors name the field; nothing is stored), sends as
 * one transaction, tokens stored hashed, durability across reopening, and the
 * core's lifecycle.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../../src/mailbox/core/mailbox-types.js";
import type { StoreBackend } from "../../store/backends.js";
import { expectFailure, useMailbox } from "./harness.js";

/** Expects `p` to fail with `invalid_argument` (Connect's InvalidArgument) and `message`. */
const refusedAsInvalid = (p: Promise<unknown>, message: string | RegExp) =>
  expectFailure(p, "invalid_argument", Code.InvalidArgument, message);

/** Limits, transactions, tokens and durability, against one backend. */
export function limitsSuite(backend: StoreBackend): void {
  const open = useMailbox(backend);

  describe("bad input and limits", () => {
    it("names the field of a bad agent id", async () => {
      const { core } = await open();
      const long = "x".repeat(257);
      await refusedAsInvalid(
        core.send({ from: "a", to: ["b", "c", "d", long] }),
        "to[3]: agent id longer than 256 characters (257)",
      );
      await refusedAsInvalid(core.send({ from: "", to: ["b"] }), "from: agent id is empty");
      await refusedAsInvalid(
        core.send({ from: "a", to: ["b"], cc: [7 as never] }),
        "cc[0]: an agent id string is required",
      );
      await refusedAsInvalid(
        core.send({ from: "a", to: [] }),
        "to: at least one recipient is required",
      );
      await refusedAsInvalid(core.register("y".repeat(300)), /^agentId: agent id longer than 256/);
      expect(await core.register("x".repeat(256))).toMatchObject({ created: true });
      expect(await core.register("b")).toEqual({ agentId: "b", created: true });
    });

    it("refuses ids no store keeps as given (a NUL, a lone surrogate); keeps any other text byte for byte", async () => {
      const { core } = await open();
      await refusedAsInvalid(
        core.send({ from: "a\u0000b", to: ["b"] }),
        "from: agent id contains a NUL character",
      );
      await refusedAsInvalid(
        core.send({ from: "a", to: ["b"], cc: ["ok", "half \ud83d pair"] }),
        "cc[1]: agent id is not well-formed Unicode (a lone surrogate)",
      );
      await refusedAsInvalid(
        core.send({ from: "a", to: ["b"], threadId: "t\udc00" }),
        "threadId: id is not well-formed Unicode (a lone surrogate)",
      );
      // Quotes, backslashes, braces, commas and astral characters reach every
      // list a send writes (to, cc, bcc, the members, the participants) intact.
      const odd = [
        "o'neil",
        'say "hi"',
        "back\\slash",
        "{a,b}",
        "NULL",
        "\u{1F9ED} compass",
        "e\u0301",
      ];
      const sent = await core.send({
        from: odd[0]!,
        to: [odd[1]!, odd[2]!],
        cc: [odd[3]!, odd[4]!],
        bcc: [odd[5]!, odd[6]!],
        payload: "x",
      });
      expect(sent.deliveredTo).toEqual(odd.slice(1));
      const thread = await core.thread(sent.threadId, odd[0]!);
      expect([...thread.participants].sort()).toEqual(odd.slice(0, 5).sort());
      expect(thread.messages[0]).toMatchObject({
        from: odd[0],
        to: odd.slice(1, 3),
        cc: odd.slice(3, 5),
        bcc: odd.slice(5),
      });
      for (const reader of odd.slice(1)) {
        const [frame] = await core.unread(reader);
        expect(frame?.message.id, reader).toBe(sent.messageId);
      }
      expect(
        (await core.participants(sent.threadId, odd[5]!)).map((p) => p.agentId).sort(),
      ).toEqual([...odd.slice(0, 5), odd[5]!].sort());
    });

    it("refuses more than 100 recipients and more than 1 MiB of payload plus snapshot (too_large)", async () => {
      const { core } = await open();
      const many = Array.from({ length: 101 }, (_, i) => `r${i}`);
      await expectFailure(
        core.send({ from: "a", to: many.slice(0, 50), bcc: many.slice(50) }),
        "too_large",
        Code.ResourceExhausted,
        "to, cc, bcc: 101 recipients, at most 100",
      );
      const half = "z".repeat(600 * 1024);
      await expectFailure(
        core.send({ from: "a", to: ["b"], payload: half, contextSnapshot: { half } }),
        "too_large",
        Code.ResourceExhausted,
        /^payload, contextSnapshot: \d+ bytes of JSON, at most 1048576$/,
      );
      expect(
        (await core.send({ from: "a", to: many.slice(0, 100), payload: half })).deliveredTo,
      ).toHaveLength(100);
      expect((await core.mailbox("b")).total).toBe(0);
    });

    it("applies configured limits", async () => {
      const { core } = await open({ maxAgentIdLength: 4, maxRecipients: 2, maxPayloadBytes: 64 });
      await refusedAsInvalid(
        core.send({ from: "abcde", to: ["b"] }),
        "from: agent id longer than 4 characters (5)",
      );
      await expectFailure(
        core.send({ from: "a", to: ["b"], cc: ["c"], bcc: ["d"] }),
        "too_large",
        Code.ResourceExhausted,
        /3 recipients, at most 2/,
      );
      await expectFailure(
        core.send({ from: "a", to: ["b"], payload: "p".repeat(64) }),
        "too_large",
        Code.ResourceExhausted,
        /at most 64$/,
      );
    });

    it("refuses a snapshot that is not an object, a payload that is not JSON, bad handoff options", async () => {
      const { core } = await open();
      const cases: [Record<string, unknown>, string][] = [
        [{ contextSnapshot: [1] }, "contextSnapshot: must be a JSON object"],
        [{ payload: 10n }, "payload: not a JSON value (Do not know how to serialize a BigInt)"],
        [
          { handoff: { maxContextBytes: 100 } },
          "handoff.maxContextBytes: must be an integer from 256 to 1000000, got 100",
        ],
        [{ handoff: { goal: "" } }, "handoff.goal: must be a non-empty string"],
        [
          { handoff: { includeFields: ["a", 3] } },
          "handoff.includeFields[1]: must be a non-empty string",
        ],
        [{ threadId: "" }, "threadId: a non-empty id string is required"],
        [{ replyTo: "r".repeat(300) }, "replyTo: id longer than 256 characters"],
      ];
      for (const [extra, message] of cases)
        await refusedAsInvalid(core.send({ from: "a", to: ["b"], ...extra } as never), message);
      await refusedAsInvalid(
        core.markRead("a", "t", { upToSeq: -1n }),
        "upToSeq: must be a non-negative sequence number",
      );
      expect(await core.register("a")).toEqual({ agentId: "a", created: true });
    });

    it("a send that fails inside its transaction changes nothing", async () => {
      const { core } = await open({ maxPayloadBytes: 600 });
      // Passes the first size check; the handoff packet built in the transaction does not.
      const send = core.send({
        from: "a",
        to: ["b"],
        cc: ["c"],
        payload: "p".repeat(300),
        contextSnapshot: { note: "n".repeat(250) },
        handoff: { goal: "g" },
      });
      await expectFailure(send, "too_large", Code.ResourceExhausted, /at most 600$/);
      expect((await core.mailbox("a")).total).toBe(0);
      expect(await core.latestSeq("b")).toBe(0n);
      for (const a of ["a", "b", "c"]) expect((await core.register(a)).created).toBe(true);
      const ok = await core.send({ from: "a", to: ["b"], payload: "fine" as JsonValue });
      expect(ok.deliveries).toEqual([{ agentId: "b", seq: 1n }]);
    });
  });

  describe("concurrent sends", () => {
    it("a send failing among concurrent ones changes nothing; the others commit", async () => {
      const { core } = await open({ maxPayloadBytes: 600 });
      const { threadId } = await core.send({ from: "a", to: ["b"] });
      const results = await Promise.allSettled([
        core.send({ from: "a", to: ["b"], payload: 1 }),
        core.send({ from: "a", to: ["new1"], threadId: "missing" }),
        core.send({
          from: "a",
          to: ["new2"],
          threadId,
          payload: "p".repeat(300),
          contextSnapshot: { note: "n".repeat(250) },
          handoff: {},
        }),
        core.send({ from: "c", to: ["b"], payload: 2 }),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        "fulfilled",
        "rejected",
        "rejected",
        "fulfilled",
      ]);
      expect((await core.unread("b")).map((f) => [f.seq, f.message.payload])).toEqual([
        [1n, null],
        [2n, 1],
        [3n, 2],
      ]);
      expect((await core.thread(threadId, "a")).participants).toEqual(["a", "b"]);
      for (const a of ["new1", "new2"]) expect((await core.register(a)).created).toBe(true);
    });
  });

  describe("tokens", () => {
    it("issues a token once, finds its agent, replaces it with the next", async () => {
      const { core } = await open();
      expect(await core.hasToken("a")).toBe(false);
      const t1 = await core.issueToken("a");
      expect(t1).toMatch(/^awmt_[A-Za-z0-9_-]{43}$/);
      expect(await core.agentForToken(t1)).toBe("a");
      expect(await core.hasToken("a")).toBe(true);
      const t2 = await core.issueToken("a");
      expect(t2).not.toBe(t1);
      expect(await core.agentForToken(t1)).toBeUndefined();
      expect(await core.agentForToken(t2)).toBe("a");
      expect(await core.agentForToken("")).toBeUndefined();
      expect(await core.agentForToken("x".repeat(10_000))).toBeUndefined();
    });
  });

  describe("lifecycle and durability", () => {
    it("reports health, and refuses operations after close with unavailable", async () => {
      const { core, store } = await open();
      expect(await core.health()).toEqual({ ok: true, store: store.backend });
      await core.close();
      await expectFailure(
        core.send({ from: "a", to: ["b"] }),
        "unavailable",
        Code.Unavailable,
        "send: the mailbox is closed",
      );
      expect((await core.health()).ok).toBe(false);
    });

    if (backend.durable)
      it("keeps every committed send, cursor and token across reopening the same data", async () => {
        const first = await open();
        const a = await first.core.send({ from: "a", to: ["b"], payload: 1 });
        await first.core.send({ from: "a", to: ["b"], payload: 2 });
        await first.core.markRead("b", a.threadId, { upToSeq: 1n });
        const token = await first.core.issueToken("b");
        const again = await first.reopen!();
        expect((await again.core.unread("b")).map((f) => [f.seq, f.message.payload])).toEqual([
          [2n, 2],
        ]);
        expect(await again.core.agentForToken(token)).toBe("b");
        const next = await again.core.send({ from: "a", to: ["b"], payload: 3 });
        expect(next.threadId).toBe(a.threadId);
        expect(next.deliveries).toEqual([{ agentId: "b", seq: 3n }]);
      });
  });
}
