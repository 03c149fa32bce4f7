import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  AgentMessaging,
  AudioStreamRequestSchema,
  ContentChunk_ChunkType,
  HealthCheckResponse_Status,
  PlatformContext_EventKind,
} from "agentwire/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/harness.js";

let h: Harness;
let sessions: Http2SessionManager[];

function client() {
  const sessionManager = new Http2SessionManager(h.sidecar.grpcUrl);
  sessions.push(sessionManager);
  return createClient(
    AgentMessaging,
    createGrpcTransport({ baseUrl: h.sidecar.grpcUrl, sessionManager }),
  );
}

beforeEach(async () => {
  h = await startHarness({ version: "test-1.2.3" });
  sessions = [];
});
afterEach(async () => {
  for (const s of sessions) s.abort();
  await h.stop();
});

describe("ProcessConversation registration", () => {
  it("registers an agent_config first frame and forwards web messages with the spec's fields", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const res = await h.send(id, "hello");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message_id: string; timestamp: string };
    const frame = await agent.nextMessage();
    expect(frame.payload.case).toBe("incomingMessage");
    const msg = frame.payload.value as import("agentwire/schema").Message;
    expect(frame.conversationId).toBe(id);
    expect(frame.responseId).toBe(msg.id);
    expect(msg.id).toBe(body.message_id);
    expect(msg.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(msg.platform).toBe("web");
    expect(msg.content).toBe("hello");
    expect(msg.conversationId).toBe(id);
    expect(msg.platformContext?.messageId).toBe(msg.id);
    expect(msg.platformContext?.channelId).toBe(id);
    expect(msg.platformContext?.eventKind).toBe(PlatformContext_EventKind.DM);
    expect(msg.user?.id).toBe("anonymous");
    expect(msg.user?.username).toBe("Anonymous User");
  });

  it("consumes a first frame that is not an agent_config and stores no config", async () => {
    const id = await h.conversation();
    const sse = await h.sse(id);
    const agent = h.agent({
      request: {
        case: "agentResponse",
        value: {
          conversationId: id,
          payload: { case: "content", value: { type: ContentChunk_ChunkType.START } },
        },
      },
    });
    await h.sidecar.whenAgentConnected();
    expect((await h.web("/api/agent/config")).status).toBe(404);
    // The stream is the agent stream now, yet its first frame was dropped.
    expect((await h.send(id, "hi")).status).toBe(200);
    const msg = await agent.nextMessage();
    agent.replyText(id, msg.responseId, "after");
    const first = await sse.next((e) => e.event === "chunk");
    expect(first.data).toMatchObject({ chunk_type: "start", response_id: msg.responseId });
    expect(
      sse.events.filter((e) => e.event === "chunk" && e.data.response_id === undefined),
    ).toEqual([]);
  });

  it("routes new work to the newest stream and keeps the older one open", async () => {
    const older = await h.registeredAgent();
    const newer = h.agent({ request: { case: "agentConfig", value: { systemPrompt: "newer" } } });
    await h.log(/agent stream #2 registered/);
    expect(await (await h.web("/api/agent/config")).json()).toMatchObject({
      systemPrompt: "newer",
    });
    const id = await h.conversation();
    await h.send(id, "to the newest");
    const got = await newer.nextMessage();
    expect(got.conversationId).toBe(id);
    expect(older.received.filter((f) => f.payload.case === "incomingMessage")).toEqual([]);
    // Replies from the older stream are still routed by conversation_id.
    const sse = await h.sse(id);
    older.replyText(id, got.responseId, "old");
    expect((await sse.nextEvent("finish")).data.response_id).toBe(got.responseId);
  });

  it("hands work back to the older registered stream when the newest one leaves (the displaced agent)", async () => {
    const older = await h.registeredAgent();
    const newer = h.agent();
    await h.log(/agent stream #2 registered/);
    newer.halfClose();
    const end = await newer.ended;
    expect(end.ok).toBe(false);
    expect(ConnectError.from(end.error).code).toBe(Code.Unknown);
    await h.log(/agent stream #2 ended; agent stream #1 receives work again/);
    expect(h.sidecar.agentConnected).toBe(true);
    const id = await h.conversation();
    const sse = await h.sse(id);
    const sent = await h.send(id, "for whoever is left");
    expect(sent.status).toBe(200);
    const got = await older.nextMessage();
    expect(got.conversationId).toBe(id);
    older.replyText(id, got.responseId, "still here");
    expect((await sse.nextEvent("finish")).data.response_id).toBe(got.responseId);
  });

  it("replaces the stored config on a later agent_config and turns agent Messages into END chunks", async () => {
    const agent = await h.registeredAgent();
    agent.send({
      request: { case: "agentConfig", value: { systemPrompt: "second", supportsFiles: true } },
    });
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "q");
    const msg = await agent.nextMessage();
    agent.send({
      request: {
        case: "message",
        value: { id: "legacy", conversationId: id, content: "legacy text" },
      },
    });
    const end = await sse.nextEvent("chunk");
    expect(end.data).toMatchObject({ chunk_type: "end", content: "legacy text" });
    await sse.nextEvent("finish");
    const config = await (await h.web("/api/agent/config")).json();
    expect(config).toMatchObject({
      systemPrompt: "second",
      capabilities: { files: true },
      tools: [],
    });
    expect(msg.responseId).not.toBe("");
  });

  it("answers an agent's half-close with UNKNOWN EOF", async () => {
    const agent = await h.registeredAgent();
    agent.halfClose();
    const end = await agent.ended;
    expect(end.ok).toBe(false);
    const err = ConnectError.from(end.error);
    expect(err.code).toBe(Code.Unknown);
    expect(err.rawMessage).toBe("EOF");
  });

  it("ends a stream with RESOURCE_EXHAUSTED for a frame over the limit", async () => {
    await h.stop();
    h = await startHarness({ maxFrameBytes: 64 * 1024 });
    const agent = await h.registeredAgent();
    agent.send({
      request: { case: "agentConfig", value: { systemPrompt: "x".repeat(70 * 1024) } },
    });
    const end = await agent.ended;
    expect(ConnectError.from(end.error).code).toBe(Code.ResourceExhausted);
  });
});

describe("unary and other RPCs", () => {
  it("HealthCheck answers HEALTHY with the version", async () => {
    const res = await client().healthCheck({});
    expect(res.status).toBe(HealthCheckResponse_Status.HEALTHY);
    expect(res.version).toBe("test-1.2.3");
  });

  it("GetThreadHistory returns the newest N, 50 for 0, and refuses negatives", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    for (let i = 1; i <= 27; i++) {
      await h.send(id, `m${i}`);
      const msg = await agent.nextMessage();
      const sse = await h.sse(id);
      agent.replyText(id, msg.responseId, `r${i}`);
      await sse.nextEvent("finish");
      sse.close();
    }
    const c = client();
    const all = await c.getThreadHistory({ conversationId: id, maxMessages: 0 });
    expect(all.messages).toHaveLength(50);
    expect(all.isComplete).toBe(false);
    expect(all.messages.at(-1)?.content).toBe("r27");
    expect(all.messages.at(-1)?.user?.id).toBe("agent");
    const three = await c.getThreadHistory({ conversationId: id, maxMessages: 3 });
    expect(three.messages.map((m) => m.content)).toEqual(["r26", "m27", "r27"]);
    expect(three.messages[1]?.platformData.role).toBe("user");
    const unknown = await c.getThreadHistory({ conversationId: "nope", maxMessages: 5 });
    expect(unknown.messages).toEqual([]);
    await expect(c.getThreadHistory({ conversationId: id, maxMessages: -1 })).rejects.toMatchObject(
      {
        code: Code.InvalidArgument,
      },
    );
  });

  it("GetConversationMetadata reports found and counts", async () => {
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    await h.send(id, "one");
    await agent.nextMessage();
    const c = client();
    const meta = await c.getConversationMetadata({
      identifier: { case: "conversationId", value: id },
    });
    expect(meta).toMatchObject({
      found: true,
      conversationId: id,
      platform: "web",
      channelId: id,
      messageCount: 1,
    });
    const byPlatform = await c.getConversationMetadata({
      identifier: { case: "platformId", value: { platform: "web", channelId: id } },
    });
    expect(byPlatform.found).toBe(true);
    const missing = await c.getConversationMetadata({
      identifier: { case: "conversationId", value: "x" },
    });
    expect(missing.found).toBe(false);
  });

  it("ProcessMessage answers OK with no responses; ProcessAudioStream is UNIMPLEMENTED", async () => {
    const c = client();
    const responses = [];
    for await (const r of c.processMessage({ id: "m", content: "hi" })) responses.push(r);
    expect(responses).toEqual([]);
    async function* audio() {
      yield create(AudioStreamRequestSchema, {
        request: { case: "audio", value: { sequence: 1n } },
      });
    }
    const run = async () => {
      for await (const _ of c.processAudioStream(audio())) {
        // no responses expected
      }
    };
    await expect(run()).rejects.toMatchObject({ code: Code.Unimplemented });
  });
});
