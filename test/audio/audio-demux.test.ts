import { AgentwireError, type AudioInput, AudioStreamError, createAudioDemux } from "agentwire";
import { AudioEncoding } from "agentwire/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Inbox } from "../helpers/step.js";
import { type AudioRig, bytes, readAll, startAudioRig } from "./audio-helpers.js";

let rig: AudioRig;
beforeEach(async () => {
  rig = await startAudioRig();
});
afterEach(async () => {
  await rig.dispose();
});

const chunk = (conversationId: string, sequence: number, data: Uint8Array, done = false) => ({
  conversationId,
  payload: { case: "audioChunk" as const, value: { sequence: BigInt(sequence), data, done } },
});
const config = (conversationId: string, encoding = AudioEncoding.LINEAR16) => ({
  conversationId,
  responseId: `r-${conversationId}`,
  payload: {
    case: "audioConfig" as const,
    value: { encoding, sampleRate: 16_000, conversationId },
  },
});

describe("the audio demux", () => {
  it("delivers two interleaved conversations, each completely to its own stream", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    const f = rig.fake;
    f.sendFrame(config("a"));
    f.sendFrame(config("b", AudioEncoding.MP3));
    f.sendFrame(chunk("a", 1, bytes(3, 0)));
    f.sendFrame(chunk("b", 1, bytes(2, 100)));
    f.sendFrame(chunk("a", 2, bytes(3, 3)));
    f.sendFrame(chunk("b", 2, bytes(2, 102)));
    f.sendFrame(chunk("b", 3, new Uint8Array(), true));
    f.sendFrame(chunk("a", 3, bytes(1, 6), true));
    const a = await inputs.next("input a");
    const b = await inputs.next("input b");
    expect(a).toMatchObject({ conversationId: "a", responseId: "r-a", filetype: "wav" });
    expect(b).toMatchObject({ conversationId: "b", filetype: "mp3" });
    expect(a.config.sampleRate).toBe(16_000);
    expect([...(await a.collect())]).toEqual([...bytes(7, 0)]);
    expect(await readAll(b.stream)).toEqual([...bytes(4, 100)]);
    expect(a.state).toBe("done");
    expect(b.state).toBe("done");
    expect(demux.openInputs).toBe(0);
    demux.dispose();
  });

  it("buffers from the config on, so a reader that starts after done gets everything", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendAudio("late", [bytes(5, 1), bytes(5, 6), bytes(5, 11)]);
    await rig.doneArrived("late");
    const input = await inputs.next();
    expect(input.state).toBe("done");
    expect(input.receivedBytes).toBe(15);
    expect(await readAll(input.stream)).toEqual([...bytes(15, 1)]);
    demux.dispose();
  });

  it("closes the stream on the done chunk, which may carry data", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendAudio("d", [bytes(2), bytes(2, 2)], {}, { doneOnLastChunk: true });
    const input = await inputs.next();
    const reader = input.stream.getReader();
    expect([...((await reader.read()).value ?? [])]).toEqual([0, 1]);
    expect([...((await reader.read()).value ?? [])]).toEqual([2, 3]);
    expect(await reader.read()).toEqual({ value: undefined, done: true });
    expect(input.state).toBe("done");
    demux.dispose();
  });

  it("errors the stream with buffer_exceeded past maxBufferedAudioBytes of unread audio", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push, maxBufferedAudioBytes: 8 });
    rig.fake.sendAudio("big", [bytes(5), bytes(5)]);
    await rig.doneArrived("big");
    const input = await inputs.next();
    expect(input.state).toBe("failed");
    const error = await readAll(input.stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioStreamError);
    expect(error).toBeInstanceOf(AgentwireError);
    expect(error).toMatchObject({
      kind: "buffer_exceeded",
      reason: "buffer_full",
      conversationId: "big",
    });
    expect(demux.openInputs).toBe(0);
    demux.dispose();
  });

  it("collect() is bounded by maxBufferedAudioBytes too, and honours a signal", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push, maxBufferedAudioBytes: 6 });
    rig.fake.sendFrame(config("c"));
    const input = await inputs.next();
    const collected = input.collect().catch((e: unknown) => e);
    rig.fake.sendFrame(chunk("c", 1, bytes(4)));
    rig.fake.sendFrame(chunk("c", 2, bytes(4)));
    expect(await collected).toMatchObject({ kind: "buffer_exceeded" });

    rig.fake.sendFrame(config("s"));
    const second = await inputs.next();
    const abort = new AbortController();
    const pending = second.collect({ signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    expect(await pending).toMatchObject({ reason: "aborted" });
    expect(second.state).toBe("cancelled");
    demux.dispose();
  });

  it("a new audio_config while a stream is open errors the old one as superseded", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendFrame(config("s"));
    rig.fake.sendFrame(chunk("s", 1, bytes(2)));
    rig.fake.sendAudio("s", [bytes(3, 50)]);
    const first = await inputs.next();
    const second = await inputs.next();
    expect(await readAll(first.stream).catch((e: unknown) => e)).toMatchObject({
      kind: "superseded",
    });
    expect(await readAll(second.stream)).toEqual([50, 51, 52]);
    demux.dispose();
  });

  it("errors on a sequence gap unless checkSequence is off; counts stray chunks", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendFrame(config("g"));
    rig.fake.sendFrame(chunk("g", 1, bytes(1)));
    rig.fake.sendFrame(chunk("g", 3, bytes(1), true));
    rig.fake.sendFrame(chunk("nobody", 1, bytes(1), true));
    await rig.doneArrived("nobody");
    const gap = await inputs.next();
    const error = await readAll(gap.stream).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "sequence_gap", reason: "malformed_frame" });
    expect((error as Error).message).toContain("expected chunk 2, got 3");
    expect(demux.strayChunks).toBe(1);
    demux.dispose();

    const lenient = createAudioDemux(rig.session, { onInput: inputs.push, checkSequence: false });
    rig.fake.sendFrame(config("g"));
    rig.fake.sendFrame(chunk("g", 0, bytes(1, 7)));
    rig.fake.sendFrame(chunk("g", 0, bytes(1, 8), true));
    expect(await readAll((await inputs.next()).stream)).toEqual([7, 8]);
    lenient.dispose();
  });

  it("inputs() yields inputs as an async iterable and ends on dispose", async () => {
    const demux = createAudioDemux(rig.session);
    const it = demux.inputs();
    rig.fake.sendAudio("i", [bytes(2)]);
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(await (first.value as AudioInput).collect()).toHaveLength(2);
    const end = it.next();
    demux.dispose();
    expect(await end).toEqual({ value: undefined, done: true });
  });

  it("a broken stream errors open inputs as stream_lost", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendFrame(config("lost"));
    const input = await inputs.next();
    rig.fake.disconnect();
    const error = await readAll(input.stream).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "stream_lost", reason: "turn_lost" });
    expect(demux.disposed).toBe(false);
    await rig.fake.waitForAgent({ minRegistrations: 2 });
    rig.fake.sendAudio("after", [bytes(1)]);
    expect(await (await inputs.next()).collect()).toHaveLength(1);
    demux.dispose();
  });

  it("closing the session errors open inputs as session_closed and disposes the demux", async () => {
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(rig.session, { onInput: inputs.push });
    rig.fake.sendFrame(config("closing"));
    const input = await inputs.next();
    await rig.session.close({ mode: "abandon" });
    expect(await readAll(input.stream).catch((e: unknown) => e)).toMatchObject({
      kind: "session_closed",
    });
    expect(demux.disposed).toBe(true);
  });

  it("dispose() removes every session listener and errors open inputs as disposed", async () => {
    let subscribed = 0;
    const counting = new Proxy(rig.session, {
      get(target, key, receiver) {
        if (key !== "on") return Reflect.get(target, key, receiver);
        return (event: never, listener: never) => {
          const off = target.on(event, listener);
          subscribed++;
          return () => {
            subscribed--;
            off();
          };
        };
      },
    });
    const inputs = new Inbox<AudioInput>();
    const demux = createAudioDemux(counting, { onInput: inputs.push });
    expect(subscribed).toBe(3);
    rig.fake.sendFrame(config("x"));
    const input = await inputs.next();
    demux.dispose();
    expect(subscribed).toBe(0);
    expect(demux.disposed).toBe(true);
    expect(await readAll(input.stream).catch((e: unknown) => e)).toMatchObject({
      kind: "disposed",
    });
    rig.fake.sendAudio("y", [bytes(1)]);
    await rig.doneArrived("y");
    expect(inputs.pending).toBe(0);
  });

  it("an aborted signal disposes the demux", async () => {
    const abort = new AbortController();
    const demux = createAudioDemux(rig.session, { signal: abort.signal });
    expect(demux.disposed).toBe(false);
    abort.abort();
    expect(demux.disposed).toBe(true);
  });
});
