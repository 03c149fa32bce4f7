import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError, backoffDelayMs, defaultRetryableCodes, isRetryable } from "agentwire";
import { describe, expect, it } from "vitest";

describe("AgentwireError", () => {
  it("is a ConnectError, and only agentwire's errors are AgentwireErrors", () => {
    const e = new AgentwireError("buffer_full", "full", Code.ResourceExhausted);
    expect(e).toBeInstanceOf(ConnectError);
    expect(e).toBeInstanceOf(AgentwireError);
    expect(new ConnectError("plain")).not.toBeInstanceOf(AgentwireError);
    expect(ConnectError.from(e)).toBe(e);
    expect(e.message).toBe("[resource_exhausted] full");
  });

  it("convert keeps code, message and metadata of a ConnectError and wraps anything else", () => {
    const ce = new ConnectError("gone", Code.Unavailable, { "x-why": "restart" });
    const e = AgentwireError.convert(ce);
    expect(e).toMatchObject({ reason: "rpc_failed", code: Code.Unavailable, rawMessage: "gone" });
    expect(e.metadata.get("x-why")).toBe("restart");
    expect(AgentwireError.convert(e)).toBe(e);
    expect(AgentwireError.convert(new Error("boom")).code).toBe(Code.Unknown);
  });
});

describe("isRetryable, the one place retries are decided", () => {
  const ctx = { retryableCodes: defaultRetryableCodes, callerAborted: false };
  it.each([
    [Code.Unavailable, true],
    [Code.DeadlineExceeded, true],
    [Code.Internal, true],
    [Code.ResourceExhausted, true],
    [Code.Unknown, true],
    [Code.Canceled, true],
    [Code.Aborted, true],
    [Code.PermissionDenied, false],
    [Code.InvalidArgument, false],
    [Code.Unimplemented, false],
    [Code.Unauthenticated, false],
  ])("code %s from the sidecar → %s", (code, expected) => {
    expect(isRetryable(new ConnectError("x", code), ctx)).toBe(expected);
  });

  it("never retries what the caller cancelled, even with a retryable code", () => {
    expect(
      isRetryable(new ConnectError("x", Code.Unavailable), { ...ctx, callerAborted: true }),
    ).toBe(false);
  });

  it("never retries agentwire's own refusals", () => {
    for (const reason of [
      "buffer_full",
      "frame_too_large",
      "session_closed",
      "aborted",
      "gave_up",
    ] as const) {
      expect(isRetryable(new AgentwireError(reason, "x", Code.Unavailable), ctx)).toBe(false);
    }
    expect(isRetryable(new AgentwireError("malformed_frame", "x", Code.Internal), ctx)).toBe(true);
  });

  it("retries a server or store that cannot take it now (reason unavailable), by its code", () => {
    const busy = new AgentwireError("unavailable", "store busy", Code.Unavailable);
    expect(isRetryable(busy, ctx)).toBe(true);
    expect(isRetryable(busy, { ...ctx, callerAborted: true })).toBe(false);
    expect(isRetryable(busy, { ...ctx, retryableCodes: [Code.Internal] })).toBe(false);
    expect(isRetryable(AgentwireError.convert(new ConnectError("x", Code.Unavailable)), ctx)).toBe(
      true,
    );
  });

  it("never retries the caller's own deadline or cancellation, whatever its code", () => {
    expect(isRetryable(new AgentwireError("timeout", "x", Code.DeadlineExceeded), ctx)).toBe(false);
    expect(isRetryable(new AgentwireError("aborted", "x", Code.Canceled), ctx)).toBe(false);
    // The same codes from the other side are retried.
    expect(isRetryable(new ConnectError("x", Code.DeadlineExceeded), ctx)).toBe(true);
    expect(isRetryable(new ConnectError("x", Code.Canceled), ctx)).toBe(true);
  });
});

describe("backoffDelayMs", () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1000 };
  it("draws from [0, min(max, initial·2^(n-1))): full jitter", () => {
    expect(backoffDelayMs(1, options, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, options, () => 0.999)).toBe(199);
    expect(backoffDelayMs(4, options, () => 0.999)).toBe(799);
    expect(backoffDelayMs(5, options, () => 0.999)).toBe(999);
    expect(backoffDelayMs(500, options, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });
});
