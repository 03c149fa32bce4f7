import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { type ScriptableSidecar, startScriptableSidecar } from "../helpers/scriptable-sidecar.js";

let sidecar: ScriptableSidecar;
beforeEach(async () => {
  sidecar = await startScriptableSidecar();
});
afterEach(async () => {
  await sidecar.close();
});

describe("the handshake", () => {
  it("writes the AgentConfig as the first frame and then opens", async () => {
    const agent = connectAgent(sidecar.address, {
      config: { systemPrompt: "hello", supportsFiles: true },
    });
    expect(agent.session.state).toBe("connecting");
    const stream = await sidecar.streams.next("a stream");
    const first = await stream.received.next("the first frame");
    expect(first.request.case).toBe("agentConfig");
    expect(first.request.value).toMatchObject({ systemPrompt: "hello", supportsFiles: true });
    await agent.session.ready();
    expect(agent.session.state).toBe("open");
    await agent.dispose();
  });

  it("re-reads a config provider and sends it first after every reconnect", async () => {
    let calls = 0;
    const agent = connectAgent(sidecar.address, {
      config: async () => ({ systemPrompt: `config #${++calls}` }),
    });
    const s1 = await sidecar.streams.next();
    expect((await s1.received.next()).request.value).toMatchObject({ systemPrompt: "config #1" });
    await agent.session.ready();
    await agent.session.send({
      request: { case: "agentResponse", value: { conversationId: "c", responseId: "before" } },
    });
    await s1.received.next("the frame before the failure");
    s1.fail(Code.Unavailable);
    const s2 = await sidecar.streams.next("the second stream");
    const first = await s2.received.next();
    expect(first.request.case).toBe("agentConfig");
    expect(first.request.value).toMatchObject({ systemPrompt: "config #2" });
    s2.end();
    const s3 = await sidecar.streams.next("the third stream");
    expect((await s3.received.next()).request.value).toMatchObject({ systemPrompt: "config #3" });
    await agent.dispose();
  });

  it("sends the legacy registration message after the config only when asked", async () => {
    const agent = connectAgent(sidecar.address, { legacyRegistration: true });
    const stream = await sidecar.streams.next();
    expect((await stream.received.next()).request.case).toBe("agentConfig");
    const registration = await stream.received.next("the registration");
    expect(registration.request.case).toBe("message");
    expect(registration.request.value).toMatchObject({
      conversationId: "agent-registration",
      platform: "grpc",
    });
    await agent.dispose();

    const plain = connectAgent(sidecar.address);
    const s2 = await sidecar.streams.next();
    expect((await s2.received.next()).request.case).toBe("agentConfig");
    await plain.session.ready();
    await plain.session.respond({ conversationId: "c", responseId: "r" });
    expect((await s2.received.next()).request.case).toBe("agentResponse");
    await plain.dispose();
  });

  it("updateConfig sends a new config on the open stream and uses it after a reconnect", async () => {
    const agent = connectAgent(sidecar.address, { config: { systemPrompt: "v1" } });
    const s1 = await sidecar.streams.next();
    await s1.received.next();
    await agent.session.ready();
    await agent.session.updateConfig({ systemPrompt: "v2" });
    const update = await s1.received.next("the update");
    expect(update.request).toMatchObject({ case: "agentConfig", value: { systemPrompt: "v2" } });
    s1.fail(Code.Unavailable);
    const s2 = await sidecar.streams.next();
    expect((await s2.received.next()).request.value).toMatchObject({ systemPrompt: "v2" });
    await agent.dispose();
  });

  it("frames queued before the stream opens follow the handshake in order", async () => {
    const agent = connectAgent(sidecar.address);
    const sent = [1, 2, 3].map((i) =>
      agent.session.respond({ conversationId: "c", responseId: `r${i}` }),
    );
    const stream = await sidecar.streams.next();
    expect((await stream.received.next()).request.case).toBe("agentConfig");
    for (const i of [1, 2, 3]) {
      expect((await stream.received.next()).request.value).toMatchObject({ responseId: `r${i}` });
    }
    await Promise.all(sent);
    await agent.dispose();
  });
});
