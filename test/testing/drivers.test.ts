import { Code, createClient } from "@connectrpc/connect";
import {
  AgentMessaging,
  AudioEncoding,
  ContentChunk_ChunkType as Chunk,
  ErrorResponse_ErrorCode,
  MessageReaction_ReactionType,
  RenderableAction,
  StatusUpdate_Status,
  StreamControl_Action,
} from "agentwire/schema";
import { createFakeSidecar, type FakeSidecar } from "agentwire/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Mode, startAgent, type TestAgent } from "./agent-harness.js";

describe.each<Mode>(["memory", "port"])("the fake sidecar's drivers (%s)", (mode) => {
  let fake: FakeSidecar;
  let agent: TestAgent;
  beforeEach(async () => {
    fake = createFakeSidecar({ timeoutMs: 3000 });
    agent = await startAgent(fake, mode);
    await fake.waitForAgent();
  });
  afterEach(async () => {
    await agent.dispose();
    await fake.close();
  });

  it("sendMessage delivers a web-shaped message whose id is the turn's response id", async () => {
    const turn = fake.sendMessage("hello", { conversationId: "conv-a" });
    const frame = await agent.inbound.next("the message");
    expect(frame).toMatchObject({ conversationId: "conv-a", responseId: turn.responseId });
    expect(frame.payload.case).toBe("incomingMessage");
    const message = frame.payload.value as typeof turn.message;
    expect(message).toMatchObject({
      id: turn.responseId,
      conversationId: "conv-a",
      content: "hello",
      platform: "web",
      user: { id: "anonymous" },
      platformContext: { messageId: turn.responseId, channelId: "conv-a", userId: "anonymous" },
    });
    const own = fake.sendMessage({ id: "m-2", content: "with fields", conversationId: "conv-b" });
    expect(own).toMatchObject({ responseId: "m-2", conversationId: "conv-b" });
    expect((await agent.inbound.next()).responseId).toBe("m-2");
    expect(fake.turn("conv-a")).toBe(turn);
    expect(fake.turn("m-2")).toBe(own);
  });

  it("records the reply per turn: text with REPLACE, status, kinds, error", async () => {
    const turn = fake.sendMessage("q");
    const frame = await agent.inbound.next();
    await agent.session.respond({
      conversationId: frame.conversationId,
      responseId: frame.responseId,
      payload: { case: "status", value: { status: StatusUpdate_Status.THINKING } },
    });
    await agent.content(frame, Chunk.START);
    await agent.content(frame, Chunk.DELTA, "draft");
    await agent.content(frame, Chunk.REPLACE, "Final");
    await agent.content(frame, Chunk.DELTA, " answer");
    await agent.content(frame, Chunk.END, "ignored");
    const ended = await fake.waitForTurnEnd(turn.responseId);
    expect(ended.state).toBe("ended");
    expect(ended.text()).toBe("Final answer");
    expect(ended.status()?.status).toBe(StatusUpdate_Status.THINKING);
    expect(ended.error()).toBeUndefined();
    expect(ended.kinds()).toEqual([
      "status",
      "content:START",
      "content:DELTA",
      "content:REPLACE",
      "content:DELTA",
      "content:END",
    ]);
    expect(fake.framesOf(turn.conversationId)).toHaveLength(6);

    const failing = fake.sendMessage("boom");
    const f2 = await agent.inbound.next();
    await agent.content(f2, Chunk.START);
    await agent.session.respond({
      conversationId: f2.conversationId,
      responseId: f2.responseId,
      payload: {
        case: "error",
        value: { code: ErrorResponse_ErrorCode.AGENT_ERROR, message: "no", retryable: true },
      },
    });
    await fake.waitForTurnEnd(failing.conversationId);
    expect(failing.state).toBe("failed");
    expect(failing.error()).toMatchObject({ message: "no", retryable: true });
  });

  it("stop() sends stream_control STOP with the turn's response id", async () => {
    const turn = fake.sendMessage("long", { conversationId: "c-stop" });
    await agent.inbound.next();
    fake.stop("c-stop", "user pressed stop");
    const frame = await agent.inbound.next("the stop");
    expect(frame).toMatchObject({ conversationId: "c-stop", responseId: turn.responseId });
    expect(frame.payload.case).toBe("feedback");
    const feedback = frame.payload.value as { feedback: { case: string; value: unknown } };
    expect(feedback.feedback).toEqual({
      case: "streamControl",
      value: expect.objectContaining({
        action: StreamControl_Action.STOP,
        reason: "user pressed stop",
      }),
    });
    expect(turn.stopped).toBe(true);
  });

  it("react() and sendFeedback() wrap feedback as the sidecar does", async () => {
    const turn = fake.sendMessage("x", { conversationId: "c-r" });
    await agent.inbound.next();
    fake.react("c-r", { type: MessageReaction_ReactionType.THUMBS_UP });
    const reaction = await agent.inbound.next("the reaction");
    expect(reaction.responseId).toBe(turn.responseId);
    expect(reaction.payload.value).toMatchObject({
      conversationId: "c-r",
      responseId: turn.responseId,
      feedback: {
        case: "reaction",
        value: { type: MessageReaction_ReactionType.THUMBS_UP, added: true },
      },
    });
    fake.sendFeedback({
      conversationId: "c-r",
      responseId: "r-9",
      feedback: { case: "text", value: { text: "nice" } },
    });
    const text = await agent.inbound.next("the text feedback");
    expect(text).toMatchObject({ conversationId: "c-r", responseId: "r-9" });
    expect(text.payload.value).toMatchObject({
      feedback: { case: "text", value: { text: "nice" } },
    });
  });

  it("answerRenderable() answers with the renderable's id and turn", async () => {
    const turn = fake.sendMessage("fill a form", { conversationId: "c-form" });
    const frame = await agent.inbound.next();
    await agent.content(frame, Chunk.START);
    await agent.session.respond({
      conversationId: frame.conversationId,
      responseId: frame.responseId,
      payload: {
        case: "renderable",
        value: { id: "form-1", message: "Name?", allowedActions: [RenderableAction.SUBMIT] },
      },
    });
    await fake.nextFrame((f) => f.payload.case === "renderable");
    fake.sendMessage("another turn", { conversationId: "c-form" });
    await agent.inbound.next();
    fake.answerRenderable("c-form", "form-1", {
      action: RenderableAction.SUBMIT,
      contentJson: '{"name":"Ada"}',
    });
    const answer = await agent.inbound.next("the answer");
    expect(answer.responseId).toBe(turn.responseId);
    expect(answer.payload.value).toMatchObject({
      feedback: {
        case: "renderableResponse",
        value: { id: "form-1", action: RenderableAction.SUBMIT, contentJson: '{"name":"Ada"}' },
      },
    });
  });

  it("sendAudio() sends config, chunks numbered 1..n, done, then the placeholder with the same id (the dev sidecar's order)", async () => {
    const sent = fake.sendAudio(
      "c-audio",
      [new Uint8Array([1, 2]), new Uint8Array([3])],
      { encoding: AudioEncoding.OGG_OPUS, sampleRate: 16_000 },
      { placeholder: true },
    );
    const config = await agent.inbound.next();
    expect(config).toMatchObject({ conversationId: "c-audio", responseId: sent.responseId });
    expect(config.payload).toMatchObject({
      case: "audioConfig",
      value: {
        encoding: AudioEncoding.OGG_OPUS,
        sampleRate: 16_000,
        conversationId: "c-audio",
        userId: "anonymous",
      },
    });
    const chunks = [
      await agent.inbound.next(),
      await agent.inbound.next(),
      await agent.inbound.next(),
    ];
    const seen = chunks.map((c) => {
      const chunk = c.payload.value as { sequence: bigint; data: Uint8Array; done: boolean };
      return { sequence: chunk.sequence, data: [...chunk.data], done: chunk.done };
    });
    expect(seen).toEqual([
      { sequence: 1n, data: [1, 2], done: false },
      { sequence: 2n, data: [3], done: false },
      { sequence: 3n, data: [], done: true },
    ]);
    const placeholder = await agent.inbound.next();
    expect(placeholder.payload.case).toBe("incomingMessage");
    expect(placeholder.payload.value).toMatchObject({
      id: sent.responseId,
      content: "[audio]",
      platformContext: { userId: "anonymous" },
    });
    expect(placeholder.responseId).toBe(sent.responseId);
    expect(sent.placeholder?.responseId).toBe(sent.responseId);
    fake.sendAudio("c-audio", [new Uint8Array([9])], {}, { doneOnLastChunk: true });
    await agent.inbound.next();
    expect((await agent.inbound.next()).payload.value).toMatchObject({ sequence: 1n, done: true });
  });

  it("nextFrame() resolves with the first matching frame after the call", async () => {
    const turn = fake.sendMessage("x");
    const frame = await agent.inbound.next();
    const end = fake.nextFrame(
      (f) => f.payload.case === "content" && f.payload.value.type === Chunk.END,
    );
    await agent.answer(frame, "done");
    expect((await end).responseId).toBe(turn.responseId);
    expect(fake.frames.length).toBeGreaterThanOrEqual(3);
  });

  it("serves the unary calls like a deployed sidecar", async () => {
    fake.sendMessage("first", { conversationId: "c-h" });
    fake.sendMessage("second", { conversationId: "c-h" });
    const health = await agent.client.healthCheck();
    expect(health.version).toBe("agentwire-fake");
    const history = await agent.client.getThreadHistory({ conversationId: "c-h", maxMessages: 1 });
    expect(history.messages.map((m) => m.content)).toEqual(["second"]);
    const all = await agent.client.getThreadHistory({ conversationId: "c-h" });
    expect(all.messages).toHaveLength(2);
    const meta = await agent.client.getConversationMetadata({
      identifier: { case: "conversationId", value: "c-h" },
    });
    expect(meta).toMatchObject({ found: true, messageCount: 2 });
    const unknown = await agent.client.getConversationMetadata({
      identifier: { case: "conversationId", value: "nope" },
    });
    expect(unknown.found).toBe(false);
  });

  it("answers history as the dev sidecar does: isComplete, roles, platform ids, negative counts refused", async () => {
    fake.sendMessage("first", { conversationId: "c-d" });
    fake.sendMessage({
      content: "second",
      conversationId: "c-d",
      user: { id: "u7", username: "Ada" },
    });
    const newest = await agent.client.getThreadHistory({ conversationId: "c-d", maxMessages: 1 });
    expect(newest.isComplete).toBe(false);
    expect(newest.messages[0]).toMatchObject({
      content: "second",
      user: { id: "u7", username: "Ada" },
      platformData: { role: "user" },
    });
    const all = await agent.client.getThreadHistory({ conversationId: "c-d", maxMessages: 0 });
    expect(all.isComplete).toBe(true);
    expect(all.messages.map((m) => m.content)).toEqual(["first", "second"]);
    // The agent client refuses a negative count itself; a raw client reaches the fake.
    const raw = createClient(AgentMessaging, agent.client.connection.transport);
    await expect(
      raw.getThreadHistory({ conversationId: "c-d", maxMessages: -1 }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: /max_messages/ });
    const byChannel = await agent.client.getConversationMetadata({
      identifier: { case: "platformId", value: { platform: "web", channelId: "c-d" } },
    });
    expect(byChannel).toMatchObject({ found: true, conversationId: "c-d", platform: "web" });
    const otherPlatform = await agent.client.getConversationMetadata({
      identifier: { case: "platformId", value: { platform: "slack", channelId: "c-d" } },
    });
    expect(otherPlatform.found).toBe(false);
  });
});
