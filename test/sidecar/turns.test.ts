import {
  ContentChunk_ChunkType,
  type PlatformFeedback,
  StatusUpdate_Status,
  StreamControl_Action,
} from "agentwire/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/harness.js";
import { delta, START } from "./support/payloads.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe("cancel, disconnect, resume, idle", () => {
  it("cancel answers 204, finishes, closes SSE, sends STOP and drops content until START", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "long");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("partial"));
    await sse.next((e) => e.data.content === "partial");
    const res = await h.post(`/api/conversations/${id}/cancel`);
    expect(res.status).toBe(204);
    // As the deployed adapter: the finish of a stopped turn has an empty response_id.
    expect((await sse.nextEvent("finish")).data.response_id).toBe("");
    await sse.ended;
    const stop = await agent.next((f) => f.payload.case === "feedback");
    const fb = stop.payload.value as PlatformFeedback;
    expect(stop.conversationId).toBe(id);
    expect(fb.responseId).toBe(msg.responseId);
    expect(fb.feedback.case).toBe("streamControl");
    expect(fb.feedback.value).toMatchObject({ action: StreamControl_Action.STOP });
    // Late content of the stopped turn is dropped; the next START opens the gate.
    // (A new stream this soon after the stop is first sent the stopped turn.)
    const after = await h.sse(id);
    agent.reply(id, msg.responseId, delta("late"));
    await h.send(id, "next");
    const next = await agent.nextMessage();
    agent.replyText(id, next.responseId, "fresh");
    await after.next((e) => e.event === "finish" && e.data.response_id === next.responseId);
    const contents = after.events.filter((e) => e.event === "chunk").map((e) => e.data.content);
    expect(contents).toEqual(["", "partial", "", "fresh", ""]);
  });

  it("fails a running turn with a retryable AGENT_UNAVAILABLE when the agent disconnects", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "q");
    await agent.nextMessage();
    agent.abort();
    const err = await sse.nextEvent("error");
    expect(err.data).toMatchObject({ code: "AGENT_UNAVAILABLE", retryable: true });
    expect(h.sidecar.agentConnected).toBe(false);
    expect((await h.send(id, "again")).status).toBe(424);
  });

  it("resumes the current turn after Last-Event-ID", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "q");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("one"));
    const one = await sse.next((e) => e.data.content === "one");
    sse.close();
    agent.reply(id, msg.responseId, delta("two"));
    agent.reply(id, msg.responseId, delta("three"));
    const probe = await h.sse(id);
    await probe.next((e) => e.data.content === "three");
    const resumed = await h.sse(id, one.id);
    agent.reply(id, msg.responseId, {
      case: "content",
      value: { type: ContentChunk_ChunkType.END },
    });
    await resumed.nextEvent("finish");
    const replay = resumed.events.filter((e) => e.event === "chunk").map((e) => e.data.content);
    expect(replay).toEqual(["two", "three", ""]);
    expect(resumed.events.find((e) => e.data.content === "two")?.id).toBe((one.id ?? 0) + 1);
  });

  it("fails a turn after the idle timeout and resets the timer on any frame", async () => {
    await h.stop();
    // Long enough that the agent's first frame (sent the moment the message
    // arrives) lands inside it even on a loaded machine; short enough to wait.
    h = await startHarness({ turnIdleTimeoutMs: 1000 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "q");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, {
      case: "status",
      value: { status: StatusUpdate_Status.SEARCHING },
    });
    await sse.nextEvent("status");
    const err = await sse.nextEvent("error");
    expect(err.data).toMatchObject({ code: "TIMEOUT", retryable: true });
    expect((await h.send(id, "again")).status).toBe(200);
  });
});
