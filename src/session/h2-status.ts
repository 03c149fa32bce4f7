import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * How the direct HTTP/2 conversation stream turns what node:http2 reports
 * (errors, RST_STREAM codes, HTTP and gRPC statuses) into ConnectErrors,
 * following gRPC's HTTP/2 mapping.
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

/** Converts an error node:http2 raised; a lost connection becomes UNAVAILABLE. */
export function errorFromTransport(reason: unknown): ConnectError {
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

/** The code of an HTTP status that is not 200, as gRPC maps it. */
function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** Checks the response headers; returns the error they announce, if any. */
export function errorFromResponseHeaders(
  headers: Record<string, unknown>,
): ConnectError | undefined {
  const status = Number(headers[":status"]);
  if (status !== 200) {
    return new ConnectError(`the sidecar answered HTTP ${status}`, codeFromHttpStatus(status));
  }
  const type = String(headers["content-type"] ?? "");
  if (!/^application\/grpc(\+proto)?(;|$)/.test(type)) {
    return new ConnectError(
      `the sidecar answered content-type ${JSON.stringify(type)}, not gRPC`,
      Code.Unknown,
    );
  }
  return undefined;
}

/**
 * The outcome a gRPC status header pair announces: undefined for OK, an
 * error otherwise; a missing status is an error too.
 */
export function errorFromGrpcStatus(
  headers: Record<string, unknown> | undefined,
): ConnectError | undefined {
  const raw = headers?.["grpc-status"];
  if (raw === undefined) {
    return new ConnectError("the sidecar ended the stream without a gRPC status", Code.Internal);
  }
  const code = Number(raw);
  if (code === 0) return undefined;
  const encoded = headers?.["grpc-message"];
  let message = "";
  if (typeof encoded === "string") {
    try {
      message = decodeURIComponent(encoded);
    } catch {
      message = encoded;
    }
  }
  const known = Number.isInteger(code) && code > 0 && code <= 16;
  return new ConnectError(message, known ? (code as Code) : Code.Unknown);
}
