import { Code, createClient } from "@connectrpc/connect";
import { AgentMessaging, ContentChunk_ChunkType, type ConversationRequest } from "agentwire/schema";
import { createFakeSidecar, type FakeSidecar } from "agentwire/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deferred } from "../helpers/step.js";
import { type Mode, startAgent } from "./agent-harness.js";

describe.each<Mode>(["memory", "port"])("the fake sidecar's stream rules (%s)", (mode) => {
  let fake: FakeSidecar;
  beforeEach(() => {
    fake = createFakeSidecar({ timeoutMs: 3000 });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("registers a stream whose first frame is agent_config and exposes the config", async () => {
    expect(fake.connected).toBe(false);
    const agent = await startAgent(fake, mode, {
      config: { systemPrompt: "hi", supportsFiles: true },
    });
    const config = await fake.waitForAgent();
    expect(config).toMatchObject({ systemPrompt: "hi", supportsFiles: true });
    expect(fake.connected).toBe(true);
    expect(fake.registrations).toBe(1);
    expect(fake.agentConfig?.systemPrompt).toBe("hi");
    expect(fake.received[0]?.request.case).toBe("agentConfig");
    await agent.session.updateConfig({ systemPrompt: "v2" });
    await fake.waitUntil(() => fake.agentConfig?.systemPrompt === "v2", { what: "config v2" });
    expect(fake.registrations).toBe(1);
    await agent.dispose();
  });

  it("registers a stream on any first frame, but keeps only an agent_config: a non-config first frame is lost", async () => {
    const agent = await startAgent(fake, mode);
    await fake.waitForAgent();
    const configBefore = fake.agentConfig?.systemPrompt;
    agent.session.close({ mode: "abandon" });
    await agent.reach("closed");
    const gone = deferred<void>();
    const sent = deferred<void>();
    async function* requests(): AsyncGenerator<ConversationRequest> {
      yield {
        $typeName: "astro.messaging.v1.ConversationRequest",
        request: {
          case: "message",
          value: {
            $typeName: "astro.messaging.v1.Message",
            id: "m",
            conversationId: "c",
            platform: "grpc",
            content: "first",
            attachments: [],
          },
        },
      };
      sent.resolve();
      await gone.promise;
    }
    const rpc = createClient(AgentMessaging, agent.client.connection.transport);
    const abort = new AbortController();
    const call = (async () => {
      try {
        for await (const _ of rpc.processConversation(requests(), { signal: abort.signal })) {
          // nothing is expected
        }
      } catch {
        // the abort below ends the call
      }
    })();
    await sent.promise;
    await fake.waitUntil(() => fake.received.at(-1)?.request.case === "message");
    expect(fake.openStreams).toBe(1);
    expect(fake.connected).toBe(true);
    expect(fake.registrations).toBe(2);
    expect(fake.agentConfig?.systemPrompt).toBe(configBefore);
    // The first frame was consumed by the registration: it is no reply.
    expect(
      fake.frames.some((f) => f.payload.case === "content" && f.payload.value.content === "first"),
    ).toBe(false);
    abort.abort();
    gone.resolve();
    await call;
    agent.client.close();
  });

  it("sends work to the newest registered stream only", async () => {
    const older = await startAgent(fake, mode);
    await fake.waitForAgent();
    const newer = await startAgent(fake, mode);
    await newer.session.ready();
    await fake.waitForAgent({ minRegistrations: 2 });
    const turn = fake.sendMessage("for the newest");
    const got = await newer.inbound.next("the message on the newer stream");
    expect(got.payload.case).toBe("incomingMessage");
    expect(got.responseId).toBe(turn.responseId);
    expect(older.inbound.pending).toBe(0);
    await newer.answer(got, "ok");
    await turn.ended();
    expect(fake.openStreams).toBe(2);
    await older.dispose();
    await newer.dispose();
  });

  it("hands work back to the older registered stream when the newest one leaves (the displaced agent)", async () => {
    const older = await startAgent(fake, mode);
    await fake.waitForAgent();
    const newer = await startAgent(fake, mode);
    await fake.waitForAgent({ minRegistrations: 2 });
    await newer.session.close();
    await fake.waitUntil(() => fake.openStreams === 1, { what: "the newer stream to end" });
    expect(fake.connected).toBe(true);
    const turn = fake.sendMessage("for whoever is left");
    const got = await older.inbound.next("the message on the older stream");
    expect(got.responseId).toBe(turn.responseId);
    await older.answer(got, "still here");
    expect((await turn.ended()).text()).toBe("still here");
    await older.dispose();
    newer.client.close();
  });

  it("disconnect() ends the stream with UNAVAILABLE; the agent reconnects and registers again", async () => {
    const agent = await startAgent(fake, mode);
    await fake.waitForAgent();
    const turn = fake.sendMessage("in flight");
    await agent.inbound.next("the message");
    fake.disconnect();
    const broke = await agent.reach("reconnecting");
    expect(broke.error?.code).toBe(14);
    await expect(turn.ended()).rejects.toMatchObject({ reason: "turn_lost" });
    expect(turn.state).toBe("lost");
    await fake.waitForAgent({ minRegistrations: 2 });
    expect(fake.registrations).toBe(2);
    const next = fake.sendMessage("after the reconnect");
    const frame = await agent.inbound.next("the message after the reconnect");
    await agent.answer(frame, "back");
    expect((await next.ended()).text()).toBe("back");
    await agent.dispose();
  });

  it("an agent's half-close ends its stream and unregisters it", async () => {
    const agent = await startAgent(fake, mode);
    await fake.waitForAgent();
    await agent.session.close();
    expect(agent.session.state).toBe("closed");
    await expect(fake.waitForAgent({ timeoutMs: 30 })).rejects.toMatchObject({ reason: "timeout" });
    expect(fake.connected).toBe(false);
    expect(fake.openStreams).toBe(0);
    agent.client.close();
  });

  it("ends a stream with RESOURCE_EXHAUSTED for a frame over the limit, as the dev sidecar does", async () => {
    await fake.close();
    fake = createFakeSidecar({ timeoutMs: 3000, maxFrameBytes: 2048 });
    const agent = await startAgent(fake, mode, { config: { systemPrompt: "x".repeat(4096) } });
    const broke = await agent.reach("reconnecting");
    expect(broke.error?.code).toBe(Code.ResourceExhausted);
    expect(fake.registrations).toBe(0);
    await agent.dispose();
  });

  it("turns an agent's Message into an END chunk, like a deployed sidecar", async () => {
    const agent = await startAgent(fake, mode, { legacyRegistration: true });
    await fake.waitForAgent();
    const frame = await fake.nextFrame((f) => f.conversationId === "agent-registration");
    expect(frame.payload.case).toBe("content");
    expect(frame.payload.value).toMatchObject({ type: ContentChunk_ChunkType.END });
    expect(fake.framesOf("agent-registration")).toHaveLength(1);
    await agent.dispose();
  });

  it("close() ends every stream, fails pending waits and refuses drivers", async () => {
    const agent = await startAgent(fake, mode);
    await fake.waitForAgent();
    const pending = fake.nextFrame().catch((e: unknown) => e);
    await fake.close();
    expect(await pending).toMatchObject({ reason: "closed" });
    expect(fake.openStreams).toBe(0);
    expect(fake.connected).toBe(false);
    await agent.reach("reconnecting");
    expect(() => fake.sendMessage("x")).toThrow(/closed/);
    await expect(fake.waitForAgent()).rejects.toMatchObject({ reason: "closed" });
    await agent.dispose();
    if (mode === "port") {
      await expect(agent.client.healthCheck({ timeoutMs: 1000 })).rejects.toMatchObject({
        code: 14,
      });
      agent.client.close();
    }
  });
});
