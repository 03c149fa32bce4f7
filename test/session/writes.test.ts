import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { type ScriptableSidecar, startScriptableSidecar } from "../helpers/scriptable-sidecar.js";
import { until } from "../helpers/step.js";

let sidecar: ScriptableSidecar;
beforeEach(async () => {
  sidecar = await startScriptableSidecar();
});
afterEach(async () => {
  await sidecar.close();
});

const reply = (responseId: string, content = "") => ({
  conversationId: "c",
  responseId,
  payload: { case: "content" as const, value: { type: 2, content } },
});

/** Settles every promise and tells which resolved and which rejected (with reasons). */
async function outcomes(writes: Promise<void>[]) {
  const settled = await Promise.allSettled(writes);
  return {
    delivered: settled.filter((s) => s.status === "fulfilled").length,
    reasons: settled.flatMap((s) => (s.status === "rejected" ? [s.reason.reason as string] : [])),
  };
}

describe("the write queue", () => {
  it("refuses a write with buffer_full when the frame limit is reached, and loses none", async () => {
    await sidecar.kill();
    const agent = connectAgent(sidecar.address, { maxBufferFrames: 5, maxAttempts: 1000 });
    const writes = Array.from({ length: 7 }, (_, i) => agent.session.respond(reply(`r${i}`)));
    expect(agent.session.bufferedFrames).toBe(5);
    await expect(writes[5]).rejects.toMatchObject({
      reason: "buffer_full",
      code: Code.ResourceExhausted,
    });
    await expect(writes[6]).rejects.toThrow(/write queue is full \(5\/5 frames/);
    await sidecar.restart();
    const stream = await sidecar.streams.next();
    await stream.received.next("config");
    for (let i = 0; i < 5; i++) {
      expect((await stream.received.next()).request.value).toMatchObject({ responseId: `r${i}` });
    }
    expect(await outcomes(writes)).toEqual({
      delivered: 5,
      reasons: ["buffer_full", "buffer_full"],
    });
    await agent.dispose();
  });

  it("refuses a write with buffer_full when the byte limit is reached", async () => {
    await sidecar.kill();
    const agent = connectAgent(sidecar.address, { maxBufferBytes: 1000 });
    const big = "x".repeat(400);
    const writes = [1, 2, 3].map((i) => agent.session.respond(reply(`r${i}`, big)));
    await expect(writes[2]).rejects.toMatchObject({ reason: "buffer_full" });
    expect(agent.session.bufferedFrames).toBe(2);
    expect(agent.session.bufferedBytes).toBeGreaterThan(800);
    const settled = outcomes(writes); // handlers attached before the writes are rejected
    await agent.dispose();
    expect(await settled).toEqual({
      delivered: 0,
      reasons: ["session_closed", "session_closed", "buffer_full"],
    });
    await sidecar.restart();
  });

  it("refuses a frame over the 4 MiB limit before it reaches the wire, and the stream stays up", async () => {
    const agent = connectAgent(sidecar.address);
    const stream = await sidecar.streams.next();
    await stream.received.next("config");
    await agent.session.ready();
    await expect(
      agent.session.respond(reply("huge", "x".repeat(4 * 1024 * 1024))),
    ).rejects.toMatchObject({
      reason: "frame_too_large",
      code: Code.InvalidArgument,
    });
    await agent.session.respond(reply("small"));
    expect((await stream.received.next()).request.value).toMatchObject({ responseId: "small" });
    expect(agent.session.state).toBe("open");
    await agent.dispose();
  });

  it("a write whose signal aborts while queued is withdrawn and rejected; the others are delivered", async () => {
    await sidecar.kill();
    const agent = connectAgent(sidecar.address, { maxAttempts: 1000 });
    const controller = new AbortController();
    const a = agent.session.respond(reply("a"));
    const b = agent.session.respond(reply("b"), { signal: controller.signal });
    const c = agent.session.respond(reply("c"));
    controller.abort();
    await expect(b).rejects.toMatchObject({ reason: "aborted" });
    await sidecar.restart();
    const stream = await sidecar.streams.next();
    await stream.received.next("config");
    expect((await stream.received.next()).request.value).toMatchObject({ responseId: "a" });
    expect((await stream.received.next()).request.value).toMatchObject({ responseId: "c" });
    await Promise.all([a, c]);
    await agent.dispose();
  });

  it("writes many frames in one event-loop turn and delivers them all in order", async () => {
    const agent = connectAgent(sidecar.address);
    const stream = await sidecar.streams.next();
    await stream.received.next("config");
    await agent.session.ready();
    const writes = Array.from({ length: 500 }, (_, i) =>
      agent.session.respond(reply(`r${i}`, `token ${i}`)),
    );
    await Promise.all(writes);
    for (let i = 0; i < 500; i++) {
      expect((await stream.received.next()).request.value).toMatchObject({ responseId: `r${i}` });
    }
    await agent.dispose();
  });
});

describe("closing", () => {
  it("drain (the default) hands every queued frame over, half-closes, and resolves when the stream is closed", async () => {
    const agent = connectAgent(sidecar.address);
    const stream = await sidecar.streams.next();
    await agent.session.ready();
    const writes = Array.from({ length: 20 }, (_, i) => agent.session.respond(reply(`r${i}`)));
    const closed = agent.session.close();
    expect(agent.session.state).toBe("closing");
    await expect(agent.session.respond(reply("late"))).rejects.toMatchObject({
      reason: "session_closed",
    });
    await closed;
    expect(agent.session.state).toBe("closed");
    expect(await stream.ended.promise).toBe("half-closed");
    expect(
      stream.received.all.map(
        (f) => f.request.case === "agentResponse" && f.request.value.responseId,
      ),
    ).toEqual([false, ...Array.from({ length: 20 }, (_, i) => `r${i}`)]);
    expect((await outcomes(writes)).delivered).toBe(20);
    agent.client.close();
  });

  it("drain gives up after drainTimeoutMs when the sidecar never ends the stream", async () => {
    const agent = connectAgent(sidecar.address, { drainTimeoutMs: 100 });
    const stream = await sidecar.streams.next();
    stream.holdOpen = true;
    await agent.session.ready();
    const started = performance.now();
    await agent.session.close();
    const tookMs = performance.now() - started;
    expect(agent.session.state).toBe("closed");
    expect(await stream.ended.promise).toBe("half-closed");
    expect(tookMs).toBeGreaterThanOrEqual(90);
    agent.client.close();
    await until(() => stream.ctx.signal.aborted, "the sidecar to see the stream cancelled");
  });

  it("abandon rejects queued writes with session_closed and cancels the stream", async () => {
    await sidecar.kill();
    const agent = connectAgent(sidecar.address, { maxAttempts: 1000 });
    const writes = [1, 2].map((i) => agent.session.respond(reply(`r${i}`)));
    const settled = outcomes(writes); // handlers attached before the writes are rejected
    await agent.session.close({ mode: "abandon" });
    expect(await settled).toEqual({
      delivered: 0,
      reasons: ["session_closed", "session_closed"],
    });
    agent.client.close();
    await sidecar.restart();
  });

  it("close during a reconnect rejects the queued writes and starts no new stream", async () => {
    const agent = connectAgent(sidecar.address, { initialDelayMs: 60_000, maxDelayMs: 60_000 });
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.fail(Code.Unavailable);
    await agent.reach("reconnecting");
    const queued = agent.session.respond(reply("q"));
    queued.catch(() => {}); // rejected during close(); asserted below
    const started = performance.now();
    await agent.session.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(queued).rejects.toMatchObject({ reason: "session_closed" });
    expect(sidecar.streams.all).toHaveLength(1);
    agent.client.close();
  });

  it("leaves no timer behind once closed", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const agent = connectAgent(sidecar.address, {
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
      drainTimeoutMs: 60_000,
    });
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.fail(Code.Unavailable);
    await agent.reach("reconnecting");
    await agent.dispose();
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe("turns in flight when the stream breaks", () => {
  it("rejects their queued and later frames with turn_lost, reports them, and flushes the rest", async () => {
    const agent = connectAgent(sidecar.address, { initialDelayMs: 30, maxDelayMs: 30 });
    const lost: unknown[] = [];
    agent.session.on("turnsLost", (turns) => lost.push(...turns));
    const s1 = await sidecar.streams.next();
    await agent.session.ready();
    s1.send({
      conversationId: "c",
      responseId: "m1",
      payload: { case: "incomingMessage", value: { id: "m1", content: "hi" } },
    });
    s1.send({
      conversationId: "c",
      responseId: "m2",
      payload: { case: "incomingMessage", value: { id: "m2" } },
    });
    await new Promise<void>((resolve) =>
      agent.session.on("message", (m) => m.id === "m2" && resolve()),
    );
    // m2 is finished before the break; m1 is still running.
    await agent.session.respond({
      conversationId: "c",
      responseId: "m2",
      payload: { case: "content", value: { type: 3 } },
    });
    s1.fail(Code.Unavailable);
    await agent.reach("reconnecting");
    const queuedForLost = agent.session.respond(reply("m1", "late text"));
    const unrelated = agent.session.respond(reply("proactive"));
    expect(lost).toEqual([{ conversationId: "c", responseId: "m1" }]);
    await expect(queuedForLost).rejects.toMatchObject({
      reason: "turn_lost",
      code: Code.Unavailable,
    });
    const s2 = await sidecar.streams.next();
    await s2.received.next("config");
    expect((await s2.received.next()).request.value).toMatchObject({ responseId: "proactive" });
    await unrelated;
    await expect(agent.session.respond(reply("m1"))).rejects.toMatchObject({ reason: "turn_lost" });
    await agent.dispose();
  });
});

describe("sendContent, the token-streaming fast path", () => {
  it("delivers content chunks that decode like respond's, in order with other writes, and honours lost turns", async () => {
    const agent = connectAgent(sidecar.address);
    const stream = await sidecar.streams.next();
    await stream.received.next("config");
    await agent.session.ready();
    const address = {
      conversationId: "c",
      responseId: "m1",
      traceContext: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    };
    await Promise.all([
      agent.session.sendContent(address, 1, ""),
      agent.session.respond({ ...address, payload: { case: "status", value: { status: 1 } } }),
      agent.session.sendContent(address, 2, "héllo"),
      agent.session.sendContent(address, 3, ""),
    ]);
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push((await stream.received.next()).request.value);
    expect(frames.map((f) => f && "payload" in f && f.payload.case)).toEqual([
      "content",
      "status",
      "content",
      "content",
    ]);
    expect(frames[2]).toMatchObject({
      conversationId: "c",
      responseId: "m1",
      traceContext: { traceparent: address.traceContext.traceparent, tracestate: "" },
      payload: { case: "content", value: { type: 2, content: "héllo" } },
    });
    await expect(
      agent.session.sendContent(address, 2, "x".repeat(5 * 1024 * 1024)),
    ).rejects.toMatchObject({
      reason: "frame_too_large",
    });
    await agent.dispose();
    await expect(agent.session.sendContent(address, 2, "late")).rejects.toMatchObject({
      reason: "session_closed",
    });
  });
});
