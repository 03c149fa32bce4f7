import { serve, type Turn, turns } from "agentwire";
import { expect, describe as group, it } from "vitest";
import { deferred } from "../helpers/step.js";
import {
  describe,
  isTerminal,
  nextReply,
  readUntil,
  sendMessage,
  sendStop,
  useTurnRig,
} from "./support.js";

const t = useTurnRig();

/** Sends the frames of one web voice message: audio_config, chunks, done, and the "[audio]" placeholder. */
function sendVoice(conversationId: string, id: string, parts: string[], placeholderFirst = false) {
  const frame = (payload: Parameters<typeof t.rig.stream.send>[0]["payload"]) =>
    t.rig.stream.send({ conversationId, responseId: id, payload });
  const placeholder = () =>
    frame({ case: "incomingMessage", value: { id, conversationId, content: "[audio]" } });
  if (placeholderFirst) placeholder();
  frame({ case: "audioConfig", value: { conversationId, sampleRate: 16000, channels: 1 } });
  let sequence = 1n;
  for (const p of parts) {
    frame({
      case: "audioChunk",
      value: { data: new TextEncoder().encode(p), sequence: sequence++ },
    });
  }
  frame({ case: "audioChunk", value: { sequence, done: true } });
  if (!placeholderFirst) placeholder();
}

group("turns() as a plain loop", () => {
  it("checks keepAliveMs as serve() does (resolved in one place)", () => {
    for (const start of [
      () => turns(t.rig.agent.session, { keepAliveMs: -1 }),
      () => serve(t.rig.agent.session, { message: () => {} }, { keepAliveMs: -1 }),
    ]) {
      expect(start).toThrow(expect.objectContaining({ reason: "invalid_argument" }));
      expect(start).toThrow(/keepAliveMs must not be negative, got -1/);
    }
  });

  it("yields turns in order, applies STOP, and ends the loop when broken", async () => {
    const loopDone = deferred<string[]>();
    const seen: string[] = [];
    void (async () => {
      for await (const turn of turns(t.rig.agent.session)) {
        seen.push(turn.message.content);
        if (turn.message.content === "stop me") {
          await turn.write("working");
          await new Promise((r) => turn.signal.addEventListener("abort", r, { once: true }));
          seen.push(`aborted:${turn.abortReason}`);
          continue;
        }
        await turn.write(`you said ${turn.message.content}`);
        await turn.finish();
        if (turn.message.content === "last") break;
      }
      loopDone.resolve(seen);
    })();
    const stopped = sendMessage(t.rig.stream, "c1", "stop me");
    await readUntil(t.rig.stream, (d) => d === "DELTA:working", "the first turn's delta");
    sendStop(t.rig.stream, "c1", stopped);
    sendMessage(t.rig.stream, "c1", "last");
    const frames = await readUntil(t.rig.stream, isTerminal, "the second reply");
    expect(frames.map(describe)).toEqual(["START", "DELTA:you said last", "END"]);
    expect(await loopDone.promise).toEqual(["stop me", "aborted:stop", "last"]);
  });
});

group("audio turns", () => {
  it.each([
    ["after", false],
    ["before", true],
  ])(
    "hands a voice message's turn and audio to the audio handler (placeholder %s the audio)",
    async (_, placeholderFirst) => {
      t.served = serve(t.rig.agent.session, {
        message: () => "text turn",
        async audio(turn: Turn, input) {
          const bytes = await input.collect({ signal: turn.signal });
          await turn.transcript(new TextDecoder().decode(bytes));
          return `heard ${bytes.byteLength} bytes`;
        },
      });
      sendVoice("v1", "voice-1", ["hello ", "there"], placeholderFirst);
      const frames = await readUntil(t.rig.stream, isTerminal, "the voice reply");
      expect(frames.map(describe)).toEqual(["TRANSCRIPT", "START", "DELTA:heard 11 bytes", "END"]);
      expect(frames.every((f) => f.responseId === "voice-1")).toBe(true);
      const transcript = frames[0]?.payload;
      expect(transcript?.case === "transcript" && transcript.value.text).toBe("hello there");
    },
  );

  it("refuses a voice message with INVALID_REQUEST when there is no audio handler, never as a text turn", async () => {
    let textTurns = 0;
    t.served = serve(t.rig.agent.session, {
      message: () => {
        textTurns++;
        return "text";
      },
    });
    sendVoice("v1", "voice-1", ["x"]);
    const frame = await nextReply(t.rig.stream);
    expect(describe(frame)).toBe("ERROR:INVALID_REQUEST");
    expect(frame.responseId).toBe("voice-1");
    expect(textTurns).toBe(0);
  });
});
