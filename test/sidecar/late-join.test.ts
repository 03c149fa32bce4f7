import { ContentChunk_ChunkType } from "agentwire/schema";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/harness.js";
import { delta, START } from "./support/payloads.js";

// A client that opens its event stream per message, after its POST, must get
// the whole turn it started however fast the agent answered.

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const END = { case: "content", value: { type: ContentChunk_ChunkType.END } } as const;
const turnEvents = (events: { event: string; data: Record<string, unknown> }[]) =>
  events
    .filter((e) => e.event !== "connected" && e.event !== "heartbeat")
    .map((e) => [e.event, e.data.content ?? null]);

describe("late SSE joiners", () => {
  it("a stream opened after a turn ended gets that whole turn and its finish", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    expect((await h.send(id, "fast")).status).toBe(200);
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("al"));
    agent.reply(id, msg.responseId, delta("l of it"));
    agent.reply(id, msg.responseId, END);
    const probe = await h.sse(id);
    await probe.nextEvent("finish"); // the turn is over before the late stream connects
    const late = await h.sse(id);
    const finish = await late.nextEvent("finish");
    expect(finish.data.response_id).toBe(msg.responseId);
    expect(turnEvents(late.events)).toEqual([
      ["chunk", ""],
      ["chunk", "al"],
      ["chunk", "l of it"],
      ["chunk", ""],
      ["finish", null],
    ]);
    expect(late.events[0]?.data.replay).toEqual({ through: finish.id, turn_running: false });
  });

  it("a stream opened during a turn gets it from its start, then the rest live", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    await h.send(id, "slow");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("one "));
    const probe = await h.sse(id);
    await probe.next((e) => e.data.content === "one ");
    const late = await h.sse(id);
    expect(late.events[0]?.data.replay).toMatchObject({ turn_running: true });
    agent.reply(id, msg.responseId, delta("two"));
    agent.reply(id, msg.responseId, END);
    await late.nextEvent("finish");
    expect(turnEvents(late.events).map(([, c]) => c)).toEqual(["", "one ", "two", "", null]);
    const ids = late.events.slice(1).map((e) => e.id ?? 0);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("a stream opened after the window gets nothing of the old turn", async () => {
    h = await startHarness({ lateJoinWindowMs: 0 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const first = await h.sse(id);
    await h.send(id, "old");
    const msg = await agent.nextMessage();
    agent.replyText(id, msg.responseId, "old reply");
    await first.nextEvent("finish");
    const late = await h.sse(id);
    expect(late.events[0]?.data.replay).toBeUndefined();
    // The next turn arrives whole, and nothing of the old one comes before it.
    await h.send(id, "new");
    const next = await agent.nextMessage();
    agent.replyText(id, next.responseId, "new reply");
    await late.nextEvent("finish");
    expect(turnEvents(late.events).map(([, c]) => c)).toEqual(["", "new reply", "", null]);
  });

  it("refuses a negative lateJoinWindowMs naming the option", async () => {
    h = await startHarness();
    await expect(startHarness({ lateJoinWindowMs: -1 })).rejects.toThrow(/lateJoinWindowMs/);
  });
});
