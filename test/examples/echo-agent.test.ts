import { AudioEncoding } from "agentwire/schema";
import { createFakeSidecar, type FakeSidecar, type FakeTurn } from "agentwire/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EchoAgent, startEchoAgent } from "../../examples/echo-agent.js";

let fake: FakeSidecar;
let agent: EchoAgent;
beforeEach(async () => {
  fake = createFakeSidecar();
  const address = await fake.listen();
  agent = startEchoAgent({ address });
  await agent.ready;
  await fake.waitForAgent();
});
afterEach(async () => {
  await agent.close();
  await fake.close();
});

describe("the echo agent", () => {
  it("echoes a message as START, word-by-word DELTAs that add up exactly, END", async () => {
    const text = "  hello   wide\tworld ";
    const turn = await fake.sendMessage(text).ended();
    expect(turn.text()).toBe(`echo: ${text}`);
    const kinds = turn.kinds();
    expect(kinds[0]).toBe("content:START");
    expect(kinds.at(-1)).toBe("content:END");
    expect(kinds.filter((k) => k === "content:DELTA").length).toBeGreaterThan(3);
    expect(turn.frames.every((f) => f.responseId === turn.responseId)).toBe(true);
  });

  it("answers a voice message with the size and type of the audio it heard", async () => {
    const sent = fake.sendAudio(
      "voice-conversation",
      [new Uint8Array(1000), new Uint8Array(500)],
      { encoding: AudioEncoding.WEBM_OPUS, sampleRate: 48000, channels: 1 },
      { placeholder: true },
    );
    const turn = await (sent.placeholder as FakeTurn).ended();
    expect(turn.text()).toBe("echo: heard 1500 bytes of webm audio");
    expect(turn.kinds().at(-1)).toBe("content:END");
  });

  it("counts to N", async () => {
    const turn = await fake.sendMessage("count 5").ended();
    expect(turn.text()).toBe("1 2 3 4 5 ");
    expect(turn.kinds()).toEqual([
      "content:START",
      ...Array(5).fill("content:DELTA"),
      "content:END",
    ]);
  });

  it("stops counting at once on STOP and sends nothing after it", async () => {
    const counting = fake.sendMessage("count 200");
    await fake.nextFrame(
      (f) =>
        f.responseId === counting.responseId &&
        f.payload.case === "content" &&
        f.payload.value.content === "3 ",
    );
    fake.stop(counting.conversationId, "user_cancelled");
    // Frames are ordered on the one stream: once a later turn is answered, the
    // agent has seen the STOP and nothing more of the counting turn can follow.
    await fake.sendMessage("marker").ended();
    const framesAfterMarker = counting.frames.length;
    // A second marker that itself takes three count intervals: a counter that
    // kept running would add frames meanwhile.
    await fake.sendMessage("count 3").ended();
    expect(counting.frames.length).toBe(framesAfterMarker);
    expect(counting.state).toBe("running");
    expect(counting.kinds()).not.toContain("content:END");
    expect(counting.kinds()).not.toContain("error");
    const numbers = counting.text().trim().split(" ");
    expect(numbers.length).toBeGreaterThanOrEqual(3);
    expect(numbers.length).toBeLessThan(200);
  });

  it("keeps serving after the sidecar drops the stream", async () => {
    expect(fake.registrations).toBe(1);
    fake.disconnect();
    await fake.waitUntil(() => fake.registrations === 2 && fake.connected, {
      what: "the agent to re-register",
    });
    const turn = await fake.sendMessage("still there?").ended();
    expect(turn.text()).toBe("echo: still there?");
  });
});
