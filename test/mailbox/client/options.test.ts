import { AgentwireError, resolveMailboxOptions } from "agentwire/mailbox";
import { describe, expect, it } from "vitest";

const base = { agentId: "a@t", baseUrl: "http://127.0.0.1:3000/" };

describe("resolveMailboxOptions", () => {
  it("fills in the defaults", () => {
    const o = resolveMailboxOptions(base);
    expect(o).toMatchObject({
      agentId: "a@t",
      baseUrl: "http://127.0.0.1:3000",
      protocol: "connect",
      timeoutMs: 10_000,
      readAttempts: 3,
      initialDelayMs: 100,
      maxDelayMs: 5000,
      reconnectAttempts: Number.POSITIVE_INFINITY,
      idleTimeoutMs: 60_000,
      socketIdleTimeoutMs: 4000,
      socketIdleMaxMs: 60_000,
    });
    expect(resolveMailboxOptions({ ...base, socketIdleTimeoutMs: 1500 }).socketIdleMaxMs).toBe(
      1500,
    );
    expect(o.token).toBeUndefined();
    expect(o.validate).toBeUndefined();
  });

  it.each([
    [{ agentId: "" }, "agentId"],
    [{ agentId: "x".repeat(257) }, "agentId"],
    [{ baseUrl: undefined }, "baseUrl is required"],
    [{ baseUrl: "127.0.0.1:3000" }, "baseUrl"],
    [{ token: "" }, "token"],
    [{ protocol: "grpc-web" }, "protocol"],
    [{ validate: "zod" }, "validate"],
    [{ timeoutMs: -1 }, "timeoutMs"],
    [{ timeoutMs: Number.NaN }, "timeoutMs"],
    [{ readAttempts: 0 }, "readAttempts"],
    [{ reconnectAttempts: 0 }, "reconnectAttempts"],
    [{ idleTimeoutMs: -5 }, "idleTimeoutMs"],
    [{ readMaxBytes: 0 }, "readMaxBytes"],
    [{ socketIdleTimeoutMs: 0 }, "socketIdleTimeoutMs"],
    [{ socketIdleMaxMs: 0 }, "socketIdleMaxMs"],
    [{ initialDelayMs: 10, maxDelayMs: 5 }, "maxDelayMs (5) must not be below initialDelayMs (10)"],
  ])("refuses %o, naming %s", (bad, name) => {
    let error: unknown;
    try {
      resolveMailboxOptions({ ...base, ...(bad as object) } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentwireError);
    expect((error as AgentwireError).reason).toBe("invalid_argument");
    expect((error as AgentwireError).rawMessage).toContain(`createMailbox: ${name}`);
  });
});
