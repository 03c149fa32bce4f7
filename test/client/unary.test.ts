import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { AgentwireError, createAgentClient, waitForReady } from "agentwire";
import { HealthCheckResponse_Status, HealthCheckResponseSchema } from "agentwire/schema";
import { afterEach, describe, expect, it } from "vitest";
import { type ScriptableSidecar, startScriptableSidecar } from "../helpers/scriptable-sidecar.js";

let sidecar: ScriptableSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

describe("the agent client's calls", () => {
  it("healthCheck, getThreadHistory, getConversationMetadata, processMessage, processAudioStream", async () => {
    sidecar = await startScriptableSidecar();
    const client = createAgentClient({ address: sidecar.address });
    expect(await client.healthCheck()).toMatchObject({
      status: HealthCheckResponse_Status.HEALTHY,
      version: "scripted",
    });
    expect(await client.getThreadHistory({ conversationId: "c9" })).toMatchObject({
      conversationId: "c9",
      isComplete: true,
    });
    expect(
      await client.getConversationMetadata({ identifier: { case: "conversationId", value: "c9" } }),
    ).toMatchObject({ conversationId: "c9", found: false });
    const responses = [];
    for await (const r of client.processMessage({ id: "m", content: "hi" })) responses.push(r);
    expect(responses).toEqual([]);
    const audio = client.processAudioStream(
      (async function* () {
        yield { request: { case: "config" as const, value: { sampleRate: 16000 } } };
      })(),
    );
    await expect(audio[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: Code.Unimplemented,
      reason: "rpc_failed",
    });
    client.close();
  });

  it("refuses a negative maxMessages before sending anything", () => {
    const client = createAgentClient({ address: "127.0.0.1:1" });
    expect(() => client.getThreadHistory({ conversationId: "c", maxMessages: -1 })).toThrow(
      /maxMessages must be a whole number/,
    );
    client.close();
  });

  it("a call honours its signal", async () => {
    sidecar = await startScriptableSidecar();
    const client = createAgentClient({ address: sidecar.address });
    const controller = new AbortController();
    controller.abort();
    await expect(client.healthCheck({ signal: controller.signal })).rejects.toMatchObject({
      code: Code.Canceled,
    });
    client.close();
  });

  it("fails with UNAVAILABLE when nothing listens", async () => {
    const client = createAgentClient({ address: "127.0.0.1:1" });
    await expect(client.healthCheck()).rejects.toMatchObject({
      code: Code.Unavailable,
      reason: "rpc_failed",
    });
    client.close();
  });
});

describe("waitForReady", () => {
  it("waits for a sidecar that starts later, then resolves with its health", async () => {
    sidecar = await startScriptableSidecar();
    const port = sidecar.port;
    await sidecar.kill();
    const client = createAgentClient({ address: `127.0.0.1:${port}` });
    let polls = 0;
    const original = client.healthCheck;
    client.healthCheck = (o) => {
      polls++;
      return original(o);
    };
    const ready = client.waitForReady({ initialDelayMs: 5, maxDelayMs: 20 });
    while (polls < 3) await new Promise((r) => setTimeout(r, 5));
    await sidecar.restart();
    await expect(ready).resolves.toMatchObject({ status: HealthCheckResponse_Status.HEALTHY });
    expect(polls).toBeGreaterThanOrEqual(3);
    client.close();
  });

  it("rejects with reason timeout after timeoutMs, naming the last error", async () => {
    const client = createAgentClient({ address: "127.0.0.1:1" });
    await expect(client.waitForReady({ timeoutMs: 100, initialDelayMs: 5 })).rejects.toMatchObject({
      reason: "timeout",
      code: Code.DeadlineExceeded,
      message: expect.stringMatching(/last error/),
    });
    client.close();
  });

  it("rejects with reason aborted when its signal aborts", async () => {
    const client = createAgentClient({ address: "127.0.0.1:1" });
    const controller = new AbortController();
    const waiting = client.waitForReady({ signal: controller.signal, initialDelayMs: 5 });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ reason: "aborted", code: Code.Canceled });
    client.close();
  });

  it("polls again after reason unavailable; a refusal of agentwire's own (closed) ends it at once", async () => {
    const healthy = create(HealthCheckResponseSchema, {
      status: HealthCheckResponse_Status.HEALTHY,
    });
    let calls = 0;
    const ready = await waitForReady(
      async () => {
        if (++calls === 1)
          throw new AgentwireError("unavailable", "health: starting up", Code.Unavailable);
        return healthy;
      },
      { initialDelayMs: 1, timeoutMs: 10_000 },
    );
    expect({ status: ready.status, calls }).toEqual({
      status: HealthCheckResponse_Status.HEALTHY,
      calls: 2,
    });
    let closedCalls = 0;
    const closed = waitForReady(
      async () => {
        closedCalls++;
        throw new AgentwireError(
          "session_closed",
          "health: the client is closed",
          Code.Unavailable,
        );
      },
      { initialDelayMs: 1, timeoutMs: 10_000 },
    );
    await expect(closed).rejects.toMatchObject({ reason: "session_closed" });
    expect(closedCalls).toBe(1);
  });
});
