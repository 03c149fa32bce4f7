import { constants, type IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * What only HTTP/2 reports, as ConnectErrors: transport errors and the
 * RST_STREAM codes (gRPC's HTTP/2 mapping), and node:http2's header objects
 * as fetch Headers. The gRPC status itself is read by `stream-status.ts`.
 */

const transportFailures = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_STREAM_DESTROYED",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
]);

/** How node:http2 names the code of a reset stream in its ERR_HTTP2_STREAM_ERROR. */
const resetCodeName = /error code (NGHTTP2_[A-Z_0-9]+|\d+)$/;

/**
 * Converts an error node:http2 raised: a stream reset becomes the error of
 * its RST_STREAM code, a lost connection UNAVAILABLE; a ConnectError stays as it is.
 */
export function errorFromTransport(reason: unknown): ConnectError {
  const reset = errorFromStreamReset(reason);
  if (reset !== undefined) return reset;
  if (reason instanceof ConnectError) return reason;
  for (let e: unknown = reason; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && transportFailures.has(code)) {
      return new ConnectError(
        `the connection to the sidecar failed: ${e.message}`,
        Code.Unavailable,
        undefined,
        undefined,
        reason,
      );
    }
  }
  return ConnectError.from(reason, Code.Internal);
}

/**
 * The error of the stream reset that `reason` reports, also when wrapped in
 * a ConnectError (Connect's universal client reports a reset as INTERNAL
 * whatever its code); undefined when it reports none.
 */
export function errorFromStreamReset(reason: unknown): ConnectError | undefined {
  for (let e: unknown = reason; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code !== "ERR_HTTP2_STREAM_ERROR") continue;
    const name = resetCodeName.exec(e.message)?.[1];
    if (name === undefined) return undefined;
    const code = /^\d+$/.test(name) ? Number(name) : (constants as Record<string, unknown>)[name];
    return typeof code === "number" ? errorFromResetCode(code) : undefined;
  }
  return undefined;
}

/** The error of a stream reset with `rstCode`, or undefined for a clean close. */
export function errorFromResetCode(rstCode: number): ConnectError | undefined {
  const message = `the sidecar reset the stream (HTTP/2 error code 0x${rstCode.toString(16)})`;
  switch (rstCode) {
    case constants.NGHTTP2_NO_ERROR:
      return undefined;
    case constants.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case constants.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case constants.NGHTTP2_INADEQUATE_SECURITY:
    case constants.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.PermissionDenied);
    default:
      return new ConnectError(message, Code.Internal);
  }
}

/** node:http2's response headers or trailers as fetch Headers, without the pseudo-headers. */
export function headersFromNode(headers: IncomingHttpHeaders | undefined): Headers {
  const out = new Headers();
  if (headers === undefined) return out;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.startsWith(":")) continue;
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else out.append(key, String(value));
  }
  return out;
}
