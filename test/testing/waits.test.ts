import { createFakeSidecar, type FakeSidecar, FakeSidecarError } from "agentwire/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgent } from "./agent-harness.js";

describe("the fake sidecar's waits", () => {
  let fake: FakeSidecar;
  beforeEach(() => {
    fake = createFakeSidecar({ timeoutMs: 40 });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("waitForAgent times out naming what it waited for", async () => {
    const error = await fake.waitForAgent().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FakeSidecarError);
    expect(error).toMatchObject({ reason: "timeout" });
    expect(String((error as Error).message)).toMatch(
      /timed out after 40 ms waiting for an agent .*0 stream\(s\) open, 0 registration\(s\)/,
    );
  });

  it("drivers refuse to run with no agent, as a sidecar would drop the frame", () => {
    expect(() => fake.sendMessage("hi")).toThrow(/no agent is connected/);
    expect(() => fake.stop("c")).toThrow(FakeSidecarError);
    expect(() => fake.sendAudio("c", [])).toThrow(/sendAudio: no agent/);
  });

  it("turn.ended times out listing the frames the turn got", async () => {
    const agent = await startAgent(fake, "memory");
    await fake.waitForAgent({ timeoutMs: 3000 });
    const turn = fake.sendMessage("q");
    const frame = await agent.inbound.next();
    await agent.session.respond({
      conversationId: frame.conversationId,
      responseId: frame.responseId,
      payload: { case: "content", value: { type: 1 } },
    });
    await fake.waitUntil(() => turn.frames.length === 1, { timeoutMs: 3000 });
    const error = await turn.ended({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "timeout" });
    expect((error as Error).message).toContain(`turn ${turn.responseId}`);
    expect((error as Error).message).toContain("frames of the turn so far: content:START");
    await agent.dispose();
  });

  it("nextFrame and waitUntil time out; a signal aborts a wait", async () => {
    await expect(fake.nextFrame()).rejects.toThrow(/a reply frame matching the predicate/);
    await expect(fake.waitUntil(() => false, { what: "the moon" })).rejects.toThrow(
      /waiting for the moon/,
    );
    const abort = new AbortController();
    const waiting = fake.waitForAgent({ timeoutMs: 5000, signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ reason: "aborted" });
  });

  it("waitForTurnEnd rejects an unknown id", async () => {
    await expect(fake.waitForTurnEnd("nobody")).rejects.toMatchObject({ reason: "unknown_turn" });
  });
});
