/**
 * The typed view: domain answers as agentwire.mailbox.v1 messages survive the
 * wire (binary and JSON) with the same data, the Unread answer carries each
 * thread's context once, and typed requests become the same core inputs.
 */
import { create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { Role } from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import {
  SendRequestSchema,
  UnreadResponseSchema,
} from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import type { MailboxCore } from "../../../src/mailbox/core/mailbox-types.js";
import {
  fromValue,
  protoParticipant,
  protoThread,
  protoUnreadResponse,
  sendInput,
  toValue,
} from "../../../src/mailbox/core/proto-view.js";
import { createSqliteMailboxStore } from "../../../src/mailbox/store/sqlite-store.js";

let core: MailboxCore | undefined;
afterEach(async () => core?.close());

describe("the typed view", () => {
  it("Unread carries the deliveries and each thread's context once, through binary and JSON", async () => {
    core = createMailboxCore({ store: await createSqliteMailboxStore({ path: ":memory:" }) });
    const payloads = ["text", { n: 1, list: [true, null] }, null, 2.5];
    for (const p of payloads)
      await core.send({ from: "a", to: ["me"], payload: p, contextSnapshot: { p } });
    await core.send({ from: "b", to: ["me"], cc: ["c"], bcc: ["d"], payload: "other" });
    const frames = await core.unread("me");
    const answer = protoUnreadResponse(frames);
    const wire = fromBinary(UnreadResponseSchema, toBinary(UnreadResponseSchema, answer));
    const json = fromJson(UnreadResponseSchema, toJson(UnreadResponseSchema, wire));
    for (const back of [wire, json]) {
      expect(back.deliveries.map((d) => d.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect(back.deliveries.map((d) => fromValue(d.message?.payload))).toEqual([
        ...payloads,
        "other",
      ]);
      expect(Object.keys(back.contexts).sort()).toEqual(
        [...new Set(frames.map((f) => f.message.threadId))].sort(),
      );
      const ctx = back.contexts[frames[0]!.message.threadId]!;
      expect(ctx.snapshot).toEqual({ p: 2.5 });
      expect(ctx.recentMessages).toHaveLength(4);
      expect(back.deliveries[4]!.message).toMatchObject({
        sender: "b",
        to: ["me"],
        cc: ["c"],
        bcc: [],
      });
    }
    const t = protoThread(await core.thread(frames[4]!.message.threadId, "b"));
    expect(t.messages[0]!.bcc).toEqual(["d"]);
    expect(t.createdAtMs).toBe(BigInt(frames[4]!.message.timestamp));
    expect(protoParticipant({ agentId: "x", role: "bcc", joinedAt: 5 })).toMatchObject({
      agentId: "x",
      role: Role.BCC,
      joinedAtMs: 5n,
    });
  });

  it("a kept unread answer's deliveries and contexts are made once, and a new delivery gets new ones", async () => {
    core = createMailboxCore({ store: await createSqliteMailboxStore({ path: ":memory:" }) });
    await core.send({ from: "a", to: ["me"], payload: 1 });
    const first = protoUnreadResponse(await core.unread("me"));
    const again = protoUnreadResponse(await core.unread("me"));
    expect(again).not.toBe(first);
    expect(again.deliveries[0]).toBe(first.deliveries[0]);
    expect(toBinary(UnreadResponseSchema, again)).toEqual(toBinary(UnreadResponseSchema, first));
    await core.send({ from: "a", to: ["me"], payload: 2 });
    const after = protoUnreadResponse(await core.unread("me"));
    expect(after.deliveries[0]).not.toBe(first.deliveries[0]);
    expect(after.deliveries.map((d) => fromValue(d.message?.payload))).toEqual([1, 2]);
    const threadId = after.deliveries[0]!.message!.threadId;
    expect(after.contexts[threadId]!.recentMessages).toHaveLength(2);
  });

  it("a typed Send becomes the core send (empty means not given)", () => {
    const req = create(SendRequestSchema, {
      to: ["b"],
      cc: ["c"],
      payload: toValue({ task: "t" }),
      handoff: { goal: "", nextAction: "go", maxContextBytes: 0 },
    });
    expect(sendInput(req, "a")).toEqual({
      from: "a",
      to: ["b"],
      cc: ["c"],
      bcc: [],
      payload: { task: "t" },
      handoff: { nextAction: "go" },
    });
    const bare = sendInput(create(SendRequestSchema, { to: ["b"], threadId: "t1" }), "a");
    expect(bare).toEqual({ from: "a", to: ["b"], cc: [], bcc: [], threadId: "t1" });
  });
});
