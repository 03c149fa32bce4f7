import { Code } from "@connectrpc/connect";
import { createAgentClient, resolveSessionOptions } from "agentwire";
import { describe, expect, it } from "vitest";

describe("session options", () => {
  it("fill in the documented defaults", () => {
    const o = resolveSessionOptions({ config: { systemPrompt: "x" } });
    expect(o).toMatchObject({
      initialDelayMs: 50,
      maxDelayMs: 2000,
      maxAttempts: Number.POSITIVE_INFINITY,
      healthyAfterMs: 5000,
      maxBufferFrames: 1024,
      maxBufferBytes: 8 * 1024 * 1024,
      maxBatchBytes: 256 * 1024,
      legacyRegistration: false,
      drainTimeoutMs: 5000,
    });
  });

  it.each([
    [{ initialDelayMs: -1 }, /initialDelayMs must be a number of at least 0, got -1/],
    [{ maxDelayMs: Number.NaN }, /maxDelayMs must be a number of at least 0, got NaN/],
    [{ maxAttempts: 0 }, /maxAttempts must be a number of at least 1, got 0/],
    [{ maxBufferFrames: 0 }, /maxBufferFrames must be a number of at least 1/],
    [{ maxBufferBytes: -5 }, /maxBufferBytes must be a number of at least 1/],
    [
      { initialDelayMs: 900, maxDelayMs: 100 },
      /maxDelayMs \(100\) must not be below initialDelayMs \(900\)/,
    ],
  ])("reject %o with a typed error naming the option", (bad, message) => {
    expect(() => resolveSessionOptions({ config: {}, ...bad })).toThrow(message);
    try {
      resolveSessionOptions({ config: {}, ...bad });
    } catch (e) {
      expect(e).toMatchObject({ reason: "invalid_argument", code: Code.InvalidArgument });
    }
  });

  it("require a config", () => {
    expect(() => resolveSessionOptions({} as never)).toThrow(/config option is required/);
  });
});

describe("client options", () => {
  it.each([
    [{ timeoutMs: -1 }, /timeoutMs must be a finite number/],
    [{ maxFrameBytes: 10 }, /maxFrameBytes must be a whole number from 1024/],
    [{ pingIntervalMs: 10_000 }, /pingIntervalMs must be at least 300000 .*too_many_pings/],
  ])("reject %o with a typed error naming the option", (bad, message) => {
    expect(() => createAgentClient({ address: "127.0.0.1:1", ...bad })).toThrow(message);
  });

  it("accept a ping interval of 5 minutes or more", () => {
    const client = createAgentClient({ address: "127.0.0.1:1", pingIntervalMs: 300_000 });
    expect(client.baseUrl).toBe("http://127.0.0.1:1");
    client.close();
  });
});
