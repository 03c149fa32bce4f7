import {
  type AgentResponse,
  AudioEncoding,
  type PlatformFeedback,
  type StreamControl,
  StreamControl_Action,
} from "agentwire/schema";
import { createDevSidecar, DevSidecarOptionError } from "agentwire/sidecar";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../helpers/step.js";
import { openAudio, upgradeAudio } from "./support/audio-client.js";
import { type Harness, startHarness } from "./support/harness.js";

// The live-audio WebSocket route through a real `ws` client on 127.0.0.1:
// what the agent receives, in order, while the client is still sending.

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isChunk = (f: AgentResponse) => f.payload.case === "audioChunk";
const chunkOf = (f: AgentResponse) => {
  if (f.payload.case !== "audioChunk")
    throw new Error(`expected an audio chunk, got ${f.payload.case}`);
  return f.payload.value;
};
/** The STOP `stream_control` a frame carries, if it is one. */
const stopOf = (f: AgentResponse): StreamControl | undefined => {
  if (f.payload.case !== "feedback") return undefined;
  const feedback = (f.payload.value as PlatformFeedback).feedback;
  return feedback.case === "streamControl" ? feedback.value : undefined;
};

describe("live audio over the WebSocket", () => {
  it("forwards config, each chunk as it arrives, the end and the [audio] message; the answer streams", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    const audio = await openAudio(h.sidecar.webUrl, id);
    audio.json({
      type: "audio.config",
      mime_type: "audio/webm;codecs=opus",
      sample_rate: 48000,
      channels: 1,
      language: "en",
    });
    const started = await audio.replies.next("audio.started");
    expect(started).toMatchObject({ type: "audio.started" });
    const messageId = started.message_id as string;
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    const config = await agent.next();
    expect(config.payload.case).toBe("audioConfig");
    expect(config.payload.value).toMatchObject({
      encoding: AudioEncoding.WEBM_OPUS,
      sampleRate: 48000,
      channels: 1,
      language: "en",
      conversationId: id,
      source: "web",
      userId: "anonymous",
    });
    // Each chunk reaches the agent before the client sends the next one.
    const pieces = [Uint8Array.of(1, 2, 3), new Uint8Array(40_000).fill(9), Uint8Array.of(7)];
    for (const [i, piece] of pieces.entries()) {
      audio.binary(piece);
      const got = chunkOf(await agent.next(isChunk));
      expect([Number(got.sequence), got.done]).toEqual([i + 1, false]);
      expect(Buffer.from(got.data).equals(Buffer.from(piece))).toBe(true);
    }
    audio.json({ type: "audio.end" });
    const done = chunkOf(await agent.next(isChunk));
    expect([Number(done.sequence), done.done, done.data.length]).toEqual([4, true, 0]);
    const placeholder = await agent.nextMessage();
    expect(placeholder.payload.value).toMatchObject({
      id: messageId,
      content: "[audio]",
      platform: "web",
      conversationId: id,
    });
    expect(agent.received.every((f) => f.responseId === messageId)).toBe(true);
    expect(await audio.replies.next("audio.done")).toMatchObject({
      type: "audio.done",
      message_id: messageId,
      status: "accepted",
      size_bytes: 40_004,
    });
    expect(await audio.closed).toEqual({ code: 1000, reason: "done" });

    agent.replyText(id, messageId, "heard you");
    await sse.nextEvent("finish");
    const text = sse.events
      .filter((e) => e.event === "chunk")
      .map((e) => e.data.content)
      .join("");
    expect(text).toBe("heard you");
    const history = (await (await h.web(`/api/conversations/${id}/history`)).json()) as {
      messages: { content: string }[];
    };
    expect(history.messages.map((m) => m.content)).toEqual(["[audio]", "heard you"]);
  });

  it("keeps the order of a burst of 200 chunks sent without waiting", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const audio = await openAudio(h.sidecar.webUrl, await h.conversation());
    audio.json({ type: "audio.config", mime_type: "audio/webm" });
    const pieces = Array.from({ length: 200 }, (_, i) =>
      Uint8Array.from({ length: 1 + ((i * 37) % 500) }, (_, j) => (i + j) % 256),
    );
    for (const piece of pieces) audio.binary(piece);
    audio.json({ type: "audio.end" });
    expect((await audio.replies.next("audio.started")).type).toBe("audio.started");
    expect(await audio.replies.next("audio.done", 10_000)).toMatchObject({
      type: "audio.done",
      size_bytes: pieces.reduce((n, p) => n + p.length, 0),
    });
    await agent.nextMessage();
    const chunks = agent.received.filter(isChunk).map(chunkOf);
    expect(chunks.map((c) => Number(c.sequence))).toEqual(
      Array.from({ length: 201 }, (_, i) => i + 1),
    );
    expect(
      chunks
        .slice(0, 200)
        .every((c, i) => Buffer.from(c.data).equals(Buffer.from(pieces[i] ?? []))),
    ).toBe(true);
    expect(chunks.at(-1)?.done).toBe(true);
  });

  it("takes an encoding name instead of a content type, and refuses a bad config", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const pcm = await openAudio(h.sidecar.webUrl, id);
    pcm.json({ type: "audio.config", encoding: "linear16", sample_rate: 16000, channels: 2 });
    await pcm.replies.next("audio.started");
    expect((await agent.next()).payload.value).toMatchObject({
      encoding: AudioEncoding.LINEAR16,
      sampleRate: 16000,
      channels: 2,
    });
    pcm.binary(new Uint8Array(320));
    pcm.json({ type: "audio.end" });
    expect(await pcm.replies.next("audio.done")).toMatchObject({ size_bytes: 320 });
    await pcm.closed;

    const other = await h.conversation();
    for (const bad of [{ sample_rate: -1 }, { encoding: "MP5" }, { channels: "two" }]) {
      const socket = await openAudio(h.sidecar.webUrl, other);
      socket.json({ type: "audio.config", ...bad });
      expect(await socket.replies.next("error")).toMatchObject({
        type: "error",
        code: "bad_config",
      });
      expect((await socket.closed).code).toBe(4400);
    }
  });

  it("refuses audio before audio.config, text that is not JSON, and a socket that never configures", async () => {
    h = await startHarness({ audioIdleTimeoutMs: 50 });
    await h.registeredAgent();
    const id = await h.conversation();
    const early = await openAudio(h.sidecar.webUrl, id);
    early.binary(Uint8Array.of(1));
    expect(await early.replies.next()).toMatchObject({ type: "error", code: "config_required" });
    expect(await early.closed).toEqual({ code: 4400, reason: "config_required" });

    const garbled = await openAudio(h.sidecar.webUrl, id);
    garbled.ws.send("audio please");
    expect(await garbled.replies.next()).toMatchObject({ type: "error", code: "bad_message" });
    expect((await garbled.closed).code).toBe(4400);

    const silent = await openAudio(h.sidecar.webUrl, id);
    const error = await silent.replies.next("config_timeout", 5000);
    expect(error).toMatchObject({ type: "error", code: "config_timeout" });
    expect(error.message).toMatch(/audio\.config/);
    expect(await silent.closed).toEqual({ code: 4408, reason: "config_timeout" });
    // Nothing of these sockets began a turn: a message goes through.
    expect((await h.send(id, "still free?")).status).toBe(200);
  });

  it("closes a socket that goes silent mid-recording (idle_timeout) and stops its turn", async () => {
    h = await startHarness({ audioIdleTimeoutMs: 50 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const audio = await openAudio(h.sidecar.webUrl, id);
    audio.json({ type: "audio.config", mime_type: "audio/webm" });
    const { message_id: messageId } = await audio.replies.next("audio.started");
    expect(await audio.replies.next("idle_timeout")).toMatchObject({ code: "idle_timeout" });
    expect(await audio.closed).toEqual({ code: 4408, reason: "idle_timeout" });
    const stop = await agent.next((f) => stopOf(f) !== undefined);
    expect([stop.responseId, stopOf(stop)?.reason]).toEqual([messageId, "user_cancelled"]);
  });

  it("stops at maxAudioBodyBytes and at a frame over 64 KiB; the agent gets a STOP for the partial audio", async () => {
    h = await startHarness({ maxAudioBodyBytes: 1000 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const audio = await openAudio(h.sidecar.webUrl, id);
    audio.json({ type: "audio.config", mime_type: "audio/ogg" });
    const { message_id: messageId } = await audio.replies.next("audio.started");
    audio.binary(new Uint8Array(600));
    await agent.next(isChunk);
    audio.binary(new Uint8Array(600));
    const error = await audio.replies.next("error");
    expect(error).toMatchObject({ code: "audio_too_large" });
    expect(error.message).toContain("1000 bytes");
    expect(await audio.closed).toEqual({ code: 4413, reason: "audio_too_large" });
    const stop = await agent.next((f) => stopOf(f) !== undefined);
    expect(stop.responseId).toBe(messageId);
    expect(stopOf(stop)).toMatchObject({
      action: StreamControl_Action.STOP,
      reason: "user_cancelled",
    });
    expect(agent.received.filter(isChunk)).toHaveLength(1); // the chunk over the limit never left
    expect((await h.send(id, "the turn is over")).status).toBe(200);

    await h.stop();
    h = await startHarness();
    await h.registeredAgent();
    const big = await openAudio(h.sidecar.webUrl, await h.conversation());
    big.json({ type: "audio.config", mime_type: "audio/ogg" });
    await big.replies.next("audio.started");
    big.binary(new Uint8Array(64 * 1024 + 1));
    expect((await big.closed).code).toBe(1009); // ws's own "message too big"
  });

  it("closes with agent_unavailable (4424) and the SSE error event when no agent is connected, or when it leaves", async () => {
    h = await startHarness();
    const id = await h.conversation();
    const sse = await h.sse(id);
    const audio = await openAudio(h.sidecar.webUrl, id);
    expect(await audio.replies.next()).toMatchObject({ type: "error", code: "agent_unavailable" });
    expect(await audio.closed).toEqual({ code: 4424, reason: "agent_unavailable" });
    expect((await sse.nextEvent("error")).data).toMatchObject({
      code: "AGENT_UNAVAILABLE",
      retryable: true,
    });

    const agent = await h.registeredAgent();
    const live = await openAudio(h.sidecar.webUrl, id);
    live.json({ type: "audio.config", mime_type: "audio/webm" });
    await live.replies.next("audio.started");
    live.binary(Uint8Array.of(1));
    await agent.next(isChunk);
    agent.abort();
    await agent.ended;
    await until(() => !h?.sidecar.agentConnected, "the sidecar to see the agent gone");
    expect((await sse.nextEvent("error")).data).toMatchObject({ code: "AGENT_UNAVAILABLE" });
    live.binary(Uint8Array.of(2));
    expect(await live.replies.next()).toMatchObject({ code: "agent_unavailable" });
    expect((await live.closed).code).toBe(4424);
  });

  it("refuses a socket while a turn runs, a second socket per conversation, and beyond maxAudioSockets", async () => {
    h = await startHarness({ maxAudioSockets: 2 });
    const agent = await h.registeredAgent();
    const busy = await h.conversation();
    await h.send(busy, "a long question");
    await agent.nextMessage();
    const during = await openAudio(h.sidecar.webUrl, busy);
    expect(await during.replies.next()).toMatchObject({ code: "turn_in_progress" });
    expect((await during.closed).code).toBe(4409);

    const id = await h.conversation();
    const first = await openAudio(h.sidecar.webUrl, id);
    const second = await upgradeAudio(h.sidecar.webUrl, id);
    expect(second).toMatchObject({
      kind: "refused",
      status: 409,
      body: { error: "audio_socket_open" },
    });
    const other = await openAudio(h.sidecar.webUrl, await h.conversation());
    const third = await upgradeAudio(h.sidecar.webUrl, await h.conversation());
    expect(third).toMatchObject({ kind: "refused", status: 429 });
    first.ws.close();
    other.ws.close();
    await Promise.all([first.closed, other.closed]);
  });

  it("refuses a cross-site upgrade with 403 before upgrading, and takes the page's own origin", async () => {
    h = await startHarness();
    await h.registeredAgent();
    const id = await h.conversation();
    const byOrigin = await upgradeAudio(h.sidecar.webUrl, id, { origin: "http://127.0.0.1:1" });
    expect(byOrigin).toMatchObject({ kind: "refused", status: 403, body: { error: "cross_site" } });
    const bySite = await upgradeAudio(h.sidecar.webUrl, id, {
      origin: h.sidecar.webUrl,
      headers: { "sec-fetch-site": "same-site" },
    });
    expect(bySite).toMatchObject({ kind: "refused", status: 403 });
    const rebound = await upgradeAudio(h.sidecar.webUrl, id, { headers: { host: "evil.example" } });
    expect(rebound).toMatchObject({
      kind: "refused",
      status: 403,
      body: { error: "forbidden_host" },
    });
    const wrongPath = await upgradeAudio(h.sidecar.webUrl, `${id}/more`);
    expect(wrongPath).toMatchObject({ kind: "refused", status: 404 });
    const plain = await h.web(`/api/conversations/${id}/audio`);
    expect([plain.status, ((await plain.json()) as { error: string }).error]).toEqual([
      426,
      "upgrade_required",
    ]);
    const own = await openAudio(h.sidecar.webUrl, id, {
      origin: h.sidecar.webUrl,
      headers: { "sec-fetch-site": "same-origin" },
    });
    own.json({ type: "audio.config", mime_type: "audio/webm" });
    expect(await own.replies.next()).toMatchObject({ type: "audio.started" });
    own.ws.close();
    await own.closed;
  });

  it("lets the --cors-origin page upgrade, and still refuses every other origin", async () => {
    const allowed = "http://localhost:5173";
    h = await startHarness({ corsOrigin: allowed });
    await h.registeredAgent();
    const id = await h.conversation();
    const other = await upgradeAudio(h.sidecar.webUrl, id, {
      origin: "http://localhost:5174",
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(other).toMatchObject({ kind: "refused", status: 403, body: { error: "cross_site" } });
    const letIn = await openAudio(h.sidecar.webUrl, id, {
      origin: allowed,
      headers: { "sec-fetch-site": "cross-site" },
    });
    letIn.json({ type: "audio.config", mime_type: "audio/webm" });
    expect(await letIn.replies.next()).toMatchObject({ type: "audio.started" });
    letIn.ws.close();
    await letIn.closed;
  });

  it("stops the turn when the client leaves before audio.end", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const audio = await openAudio(h.sidecar.webUrl, id);
    audio.json({ type: "audio.config", mime_type: "audio/webm" });
    const { message_id: messageId } = await audio.replies.next("audio.started");
    audio.binary(Uint8Array.of(1, 2));
    await agent.next(isChunk);
    audio.ws.terminate();
    const stop = await agent.next((f) => stopOf(f) !== undefined);
    expect([stop.responseId, stopOf(stop)?.reason]).toEqual([messageId, "user_cancelled"]);
    expect((await h.send(id, "next")).status).toBe(200);
  });

  it("closes with a socket open mid-recording: close() resolves and the client sees the socket end", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const audio = await openAudio(h.sidecar.webUrl, await h.conversation());
    audio.json({ type: "audio.config", mime_type: "audio/webm" });
    await audio.replies.next("audio.started");
    audio.binary(Uint8Array.of(1));
    await agent.next(isChunk);
    await h.sidecar.close();
    expect((await audio.closed).code).toBe(1006); // terminated, no closing handshake waited for
    const after = await upgradeAudio(h.sidecar.webUrl, "x").catch((e: Error) => e);
    expect(after).toBeInstanceOf(Error); // the port is free: nothing listens
  });

  it("refuses a bad audio option, naming it", async () => {
    for (const [option, value] of [
      ["audioIdleTimeoutMs", 0],
      ["maxAudioSockets", 1.5],
    ] as const) {
      await expect(
        createDevSidecar({ grpcPort: 0, webPort: 0, [option]: value }),
      ).rejects.toSatisfy((e) => e instanceof DevSidecarOptionError && e.option === option);
    }
  });
});
