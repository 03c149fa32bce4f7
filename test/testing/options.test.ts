import { AgentwireError } from "agentwire";
import { createFakeSidecar, type FakeSidecarOptions } from "agentwire/testing";
import { describe, expect, it } from "vitest";

describe("the fake sidecar's options", () => {
  it.each<[string, FakeSidecarOptions]>([
    ["timeoutMs", { timeoutMs: 0 }],
    ["timeoutMs", { timeoutMs: 1.5 }],
    ["maxFrameBytes", { maxFrameBytes: 10 }],
    ["maxFrameBytes", { maxFrameBytes: Number.NaN }],
    ["platform", { platform: "" }],
    ["version", { version: "" }],
    ["user", { user: { username: "no id" } }],
  ])("refuses a bad %s with AgentwireError invalid_argument naming it", (option, options) => {
    let caught: unknown;
    try {
      createFakeSidecar(options);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AgentwireError);
    expect(caught).toMatchObject({ reason: "invalid_argument", option });
    expect((caught as Error).message).toContain(`${option}:`);
  });

  it("refuses a bad listen port, and a port in use names the option", async () => {
    const fake = createFakeSidecar();
    const other = createFakeSidecar();
    try {
      await expect(fake.listen({ port: 70_000 })).rejects.toMatchObject({
        reason: "invalid_argument",
        option: "port",
      });
      const address = await fake.listen();
      const port = Number(address.split(":")[1]);
      await expect(other.listen({ port })).rejects.toMatchObject({
        reason: "invalid_argument",
        option: "port",
        cause: { code: "EADDRINUSE" },
      });
    } finally {
      await other.close();
      await fake.close();
    }
  });
});
