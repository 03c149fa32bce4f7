import { Code } from "@connectrpc/connect";
import { resolveSidecarUrl } from "agentwire";
import { describe, expect, it } from "vitest";

describe("resolveSidecarUrl", () => {
  it.each([
    ["localhost:9090", "http://localhost:9090"],
    ["127.0.0.1:1", "http://127.0.0.1:1"],
    ["[::1]:9191", "http://[::1]:9191"],
    ["sidecar.internal:443", "http://sidecar.internal:443"],
    ["http://localhost:9090", "http://localhost:9090"],
    ["http://10.0.0.2:9090/", "http://10.0.0.2:9090"],
    ["  localhost:9090  ", "http://localhost:9090"],
  ])("%s → %s", (address, url) => {
    expect(resolveSidecarUrl(address, {})).toBe(url);
  });

  it("reads GRPC_SERVER_ADDR, then falls back to localhost:9090", () => {
    expect(resolveSidecarUrl(undefined, { GRPC_SERVER_ADDR: "sidecar:7000" })).toBe(
      "http://sidecar:7000",
    );
    expect(resolveSidecarUrl(undefined, {})).toBe("http://localhost:9090");
    expect(resolveSidecarUrl("a:1", { GRPC_SERVER_ADDR: "b:2" })).toBe("http://a:1");
  });

  it.each([
    ["", /empty/],
    ["localhost", /expected host:port/],
    ["localhost:99999", /port out of range/],
    ["localhost:0", /port out of range/],
    ["https://secure:443", /only plaintext http/],
    ["http://", /expected host:port/],
    ["a b:9090", /expected host:port/],
  ])("rejects %j with a typed error naming it", (address, message) => {
    expect(() => resolveSidecarUrl(address, {})).toThrow(message);
    try {
      resolveSidecarUrl(address, {});
    } catch (e) {
      expect(e).toMatchObject({ reason: "invalid_argument", code: Code.InvalidArgument });
    }
  });
});
