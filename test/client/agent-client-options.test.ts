import { Code } from "@connectrpc/connect";
import { createAgentClient, defaultMaxFrameBytes, resolveAgentClientOptions } from "agentwire";
import { createInMemoryConnection } from "agentwire/testing";
import { describe, expect, it } from "vitest";

describe("resolveAgentClientOptions", () => {
  it("fills in the documented defaults", () => {
    expect(resolveAgentClientOptions({ address: "127.0.0.1:1" })).toEqual({
      baseUrl: "http://127.0.0.1:1",
      timeoutMs: 10_000,
      maxFrameBytes: defaultMaxFrameBytes,
      pingIntervalMs: undefined,
      connection: undefined,
    });
    expect(defaultMaxFrameBytes).toBe(4 * 1024 * 1024);
  });

  it("keeps the values given", () => {
    const o = resolveAgentClientOptions({
      address: "http://sidecar:7000",
      timeoutMs: 0,
      maxFrameBytes: 1024,
      pingIntervalMs: 600_000,
    });
    expect(o).toMatchObject({
      baseUrl: "http://sidecar:7000",
      timeoutMs: 0,
      maxFrameBytes: 1024,
      pingIntervalMs: 600_000,
    });
  });

  it("takes the base URL and frame limit of a given connection, without reading the address", () => {
    const connection = createInMemoryConnection(() => {}, { maxFrameBytes: 64 * 1024 });
    const o = resolveAgentClientOptions({ connection, address: "not an address" });
    expect(o).toMatchObject({
      baseUrl: "http://in-memory.agentwire",
      maxFrameBytes: 64 * 1024,
      connection,
    });
    const client = createAgentClient({ connection });
    expect(client.baseUrl).toBe("http://in-memory.agentwire");
    expect(client.connection).toBe(connection);
    client.close();
  });

  it.each([
    [
      { timeoutMs: -1 },
      /createAgentClient: timeoutMs must be a finite number of at least 0, got -1/,
    ],
    [{ timeoutMs: Number.NaN }, /timeoutMs must be a finite number of at least 0, got NaN/],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs must be a finite number/],
    [
      { maxFrameBytes: 1023 },
      /maxFrameBytes must be a whole number from 1024 to 2\^31-1, got 1023/,
    ],
    [{ maxFrameBytes: 2 ** 31 }, /maxFrameBytes must be a whole number from 1024/],
    [{ maxFrameBytes: 4096.5 }, /maxFrameBytes must be a whole number from 1024/],
    [{ pingIntervalMs: 10_000 }, /pingIntervalMs must be at least 300000 .*too_many_pings/],
    [{ pingIntervalMs: Number.NaN }, /pingIntervalMs must be at least 300000/],
    [{ address: "no port" }, /sidecar address "no port": expected host:port/],
    [{ address: "https://sidecar:1" }, /only plaintext http:\/\/ is supported/],
  ])("rejects %o with a typed error naming it, also from createAgentClient", (bad, message) => {
    for (const run of [resolveAgentClientOptions, createAgentClient]) {
      let error: unknown;
      try {
        run({ address: "127.0.0.1:1", ...bad });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ reason: "invalid_argument", code: Code.InvalidArgument });
      expect((error as Error).message).toMatch(message);
    }
  });
});
