import {
  AudioEncoding,
  ContentChunk_ChunkType,
  ErrorResponse_ErrorCode,
  type PlatformFeedback,
  RenderableAction,
  StatusUpdate_Status,
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

describe("conversations and messages", () => {
  it("creates a conversation with an id and a timestamp", async () => {
    const res = await h.post("/api/conversations");
    expect(res.status).toBe(201);
    const body = (await res.json()) as { conversation_id: string; created_at: string };
    expect(body.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(body.created_at))).toBe(false);
  });

  it("streams a turn's events in order with increasing ids and a type field", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "hi");
    const msg = await agent.nextMessage();
    const rid = msg.responseId;
    agent.reply(id, rid, {
      case: "status",
      value: { status: StatusUpdate_Status.THINKING, emoji: "🤔" },
    });
    agent.reply(id, rid, START);
    agent.reply(id, rid, delta("Hel"));
    agent.reply(id, rid, delta("lo"));
    agent.reply(id, rid, {
      case: "prompts",
      value: { prompts: [{ id: "p1", title: "More", message: "tell me more" }] },
    });
    agent.reply(id, rid, { case: "transcript", value: { text: "hi", language: "en" } });
    agent.reply(id, rid, { case: "content", value: { type: ContentChunk_ChunkType.END } });
    await sse.nextEvent("finish");
    const events = sse.events.filter((e) => e.event !== "heartbeat" && e.event !== "connected");
    expect(events.map((e) => e.event)).toEqual([
      "status",
      "chunk",
      "chunk",
      "chunk",
      "prompts",
      "transcript",
      "chunk",
      "finish",
    ]);
    const ids = events.map((e) => e.id ?? 0);
    expect(ids.every((v, i) => i === 0 || v > (ids[i - 1] ?? 0))).toBe(true);
    for (const e of events) expect(e.data.type).toBe(e.event);
    expect(events[0]?.data).toMatchObject({ status: "THINKING", emoji: "🤔" });
    expect(events.slice(1, 4).map((e) => [e.data.chunk_type, e.data.content])).toEqual([
      ["start", ""],
      ["delta", "Hel"],
      ["delta", "lo"],
    ]);
    expect(events[1]?.data.response_id).toBe(rid);
    expect(events[4]?.data).toMatchObject({
      prompts: [{ id: "p1", title: "More", message: "tell me more" }],
    });
    expect(events[5]?.data).toMatchObject({ text: "hi", language: "en" });
    expect(events[7]?.data).toEqual({ type: "finish", response_id: rid });
    expect(sse.events[0]).toMatchObject({
      event: "connected",
      id: undefined,
      data: { conversation_id: id },
    });
  });

  it("answers 424 without an agent and sends an AGENT_UNAVAILABLE error event", async () => {
    const id = await h.conversation();
    const sse = await h.sse(id);
    const res = await h.send(id, "anyone?");
    expect(res.status).toBe(424);
    const err = await sse.nextEvent("error");
    expect(err.data).toMatchObject({ code: "AGENT_UNAVAILABLE", retryable: true });
  });

  it("answers 409 while a turn runs and 200 again after it ended", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "first");
    const msg = await agent.nextMessage();
    const busy = await h.send(id, "second");
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({
      error: "turn_in_progress",
      error_description: expect.stringMatching(/still running/),
    });
    agent.replyText(id, msg.responseId, "done");
    await sse.nextEvent("finish");
    expect((await h.send(id, "third")).status).toBe(200);
  });

  it("answers 400 for empty content and bad JSON, 415 for other content types", async () => {
    await h.registeredAgent();
    const id = await h.conversation();
    expect((await h.send(id, "   ")).status).toBe(400);
    expect((await h.post(`/api/conversations/${id}/messages`, { content: 3 })).status).toBe(400);
    const bad = await h.web(`/api/conversations/${id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_json" });
    const text = await h.web(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: '{"content":"x"}',
    });
    expect(text.status).toBe(415);
  });

  it("fails an agent error as an error event and ends the turn", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "q");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, {
      case: "error",
      value: { code: ErrorResponse_ErrorCode.RATE_LIMIT, message: "slow down", retryable: true },
    });
    const err = await sse.nextEvent("error");
    expect(err.data).toMatchObject({ code: "RATE_LIMIT", message: "slow down", retryable: true });
    expect((await h.send(id, "again")).status).toBe(200);
  });
});

describe("history, config, health, forms, audio", () => {
  it("returns the history with user messages and agent replies", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "ping");
    const msg = await agent.nextMessage();
    agent.replyText(id, msg.responseId, "po", "ng");
    await sse.nextEvent("finish");
    const res = await h.web(`/api/conversations/${id}/history`);
    const body = (await res.json()) as {
      conversation_id: string;
      messages: Record<string, unknown>[];
    };
    expect(body.conversation_id).toBe(id);
    expect(body.messages.map((m) => [m.content, (m.user as { id: string }).id])).toEqual([
      ["ping", "anonymous"],
      ["pong", "agent"],
    ]);
    expect(body.messages[0]?.message_id).toBe(msg.responseId);
    for (const m of body.messages) {
      expect(m.was_edited).toBe(false);
      expect(m.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it("returns the newest 50 messages by default, and ?limit= of them", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    for (let i = 0; i < 26; i++) {
      await h.send(id, `m${i}`);
      const msg = await agent.nextMessage();
      agent.replyText(id, msg.responseId, `r${i}`);
      await sse.next((e) => e.event === "finish" && e.data.response_id === msg.responseId);
    }
    const all = (await (await h.web(`/api/conversations/${id}/history`)).json()) as {
      messages: { content: string }[];
      is_complete: boolean;
    };
    expect(all.messages.length).toBe(50);
    expect(all.messages[0]?.content).toBe("m1");
    expect(all.is_complete).toBe(false);
    const two = (await (await h.web(`/api/conversations/${id}/history?limit=2`)).json()) as {
      messages: { content: string }[];
    };
    expect(two.messages.map((m) => m.content)).toEqual(["m25", "r25"]);
  });

  it("serves the agent config as camelCase JSON, 404 before one arrived", async () => {
    expect((await h.web("/api/agent/config")).status).toBe(404);
    h.agent({
      request: {
        case: "agentConfig",
        value: { systemPrompt: "be nice", tools: [{ name: "search", title: "Search" }] },
      },
    });
    await h.sidecar.whenAgentConnected();
    const config = await (await h.web("/api/agent/config")).json();
    expect(config).toMatchObject({
      systemPrompt: "be nice",
      capabilities: { files: false },
      tools: [{ name: "search" }],
    });
  });

  it("reports health with the SSE connection count", async () => {
    const id = await h.conversation();
    await h.sse(id);
    const health = (await (await h.web("/health")).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "healthy", connections: 1, agent_connected: false });
    expect(typeof health.timestamp).toBe("string");
  });

  it("carries a renderable as an interaction event and forwards the answer", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "book");
    const msg = await agent.nextMessage();
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    agent.reply(id, msg.responseId, {
      case: "renderable",
      value: {
        id: "form-1",
        message: "Where to?",
        dataSchemaJson: JSON.stringify(schema),
        allowedActions: [RenderableAction.SUBMIT, RenderableAction.CANCEL],
      },
    });
    const ev = await sse.nextEvent("interaction");
    expect(ev.data).toEqual({
      type: "interaction",
      kind: "form",
      response_id: msg.responseId,
      id: "form-1",
      message: "Where to?",
      dataSchema: schema,
      actions: ["submit", "cancel"],
    });
    const bad = await h.post(`/api/conversations/${id}/interactions/form-1`, { action: "explode" });
    expect(bad.status).toBe(400);
    const res = await h.post(`/api/conversations/${id}/interactions/form-1`, {
      action: "submit",
      content: { city: "Oslo" },
    });
    expect(res.status).toBe(204);
    const fb = (await agent.next((f) => f.payload.case === "feedback")).payload
      .value as PlatformFeedback;
    expect(fb.responseId).toBe(msg.responseId);
    expect(fb.feedback.case).toBe("renderableResponse");
    expect(fb.feedback.value).toMatchObject({
      id: "form-1",
      action: RenderableAction.SUBMIT,
      contentJson: '{"city":"Oslo"}',
    });
    // The path agentwire used first still answers.
    const alias = await h.post(`/api/conversations/${id}/renderables/form-1`, { action: "cancel" });
    expect(alias.status).toBe(204);
    const cancel = (await agent.next((f) => f.payload.case === "feedback")).payload
      .value as PlatformFeedback;
    expect(cancel.feedback.value).toMatchObject({ id: "form-1", action: RenderableAction.CANCEL });
  });

  it("sends a form's initial values as an object, and a message the agent injects as injected", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "edit");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, {
      case: "renderable",
      value: {
        id: "f2",
        dataSchemaJson: '{"type":"object"}',
        valueJson: '{"city":"Rome","nights":2}',
      },
    });
    const ev = await sse.nextEvent("interaction");
    expect(ev.data).toMatchObject({ kind: "form", value: { city: "Rome", nights: 2 } });
    expect(ev.data.actions).toEqual([]);
    agent.reply(id, msg.responseId, {
      case: "incomingMessage",
      value: { id: "note-1", conversationId: id, content: "by the way" },
    });
    const injected = await sse.nextEvent("injected");
    expect(injected.data).toMatchObject({ message_id: "note-1", content: "by the way" });
  });

  it("ingests audio as audio_config, numbered chunks and an [audio] message", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const data = new Uint8Array(70 * 1024).fill(7);
    const res = await h.web(`/api/conversations/${id}/audio?sample_rate=16000`, {
      method: "POST",
      headers: { "content-type": "audio/webm" },
      body: data,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "accepted", size_bytes: 70 * 1024 });
    const msg = await agent.nextMessage();
    const cases = agent.received.map((f) => f.payload.case);
    expect(cases).toEqual([
      "audioConfig",
      "audioChunk",
      "audioChunk",
      "audioChunk",
      "incomingMessage",
    ]);
    const chunks = agent.received
      .filter((f) => f.payload.case === "audioChunk")
      .map((f) => f.payload.value);
    expect(
      chunks.map((c) => [
        Number((c as { sequence: bigint }).sequence),
        (c as { done: boolean }).done,
      ]),
    ).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(msg.payload.value).toMatchObject({ content: "[audio]", platform: "web" });
    expect(agent.received.every((f) => f.responseId === msg.responseId)).toBe(true);
  });

  it("takes a multipart `audio` field as the deployed adapter does: 202 {message_id, status, size_bytes}", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => i % 253);
    const form = new FormData();
    form.set("audio", new Blob([data], { type: "audio/ogg" }), "voice.ogg");
    form.set("sample_rate", "16000");
    // A multipart body is a "simple" type: the sidecar takes it only when it says it comes from its own page.
    const res = await h.web(`/api/conversations/${id}/audio?language=de`, {
      method: "POST",
      headers: { origin: h.sidecar.webUrl },
      body: form,
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "accepted", size_bytes: 70_000 });
    const msg = await agent.nextMessage();
    expect(body.message_id).toBe(msg.responseId);
    const config = agent.received[0];
    expect(config?.payload.case).toBe("audioConfig");
    expect(config?.payload.value).toMatchObject({
      encoding: AudioEncoding.OGG_OPUS,
      sampleRate: 16000,
      language: "de",
    });
    const chunks = agent.received.flatMap((f) =>
      f.payload.case === "audioChunk" && !f.payload.value.done ? [f.payload.value.data] : [],
    );
    expect(chunks.map((c) => c.length)).toEqual([65536, 70_000 - 65536]);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
  });

  it("answers a multipart body without an audio file, or with a bad field, with 400", async () => {
    await h.registeredAgent();
    const id = await h.conversation();
    const post = (form: FormData) =>
      h.web(`/api/conversations/${id}/audio`, {
        method: "POST",
        headers: { origin: h.sidecar.webUrl },
        body: form,
      });
    const none = new FormData();
    none.set("file", new Blob([Uint8Array.of(1)]));
    const missing = await post(none);
    expect([missing.status, ((await missing.json()) as { error: string }).error]).toEqual([
      400,
      "missing_audio",
    ]);
    const text = new FormData();
    text.set("audio", "not a file");
    expect((await post(text)).status).toBe(400);
    const empty = new FormData();
    empty.set("audio", new Blob([], { type: "audio/webm" }));
    expect(((await (await post(empty)).json()) as { error: string }).error).toBe("empty_audio");
    const badRate = new FormData();
    badRate.set("audio", new Blob([Uint8Array.of(1)], { type: "audio/webm" }));
    badRate.set("sample_rate", "-3");
    const bad = await post(badRate);
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([
      400,
      "bad_audio_format",
    ]);
    const garbled = await h.web(`/api/conversations/${id}/audio`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", origin: h.sidecar.webUrl },
      body: "not multipart at all",
    });
    expect(garbled.status).toBe(400);
    // None of it began a turn.
    expect((await h.send(id, "free")).status).toBe(200);
  });
});
