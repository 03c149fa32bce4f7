/**
 * The one place where mailbox errors become HTTP answers: an AgentwireError's
 * reason picks the status, its message is the `{error}` text; anything else is
 * a 500 that names nothing internal.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import { Code } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { AgentwireError, type AgentwireErrorReason } from "../../client/errors.js";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** A request either server hands to the handler (HTTP/1.1 or HTTP/2), as connect-node types it. */
export type NodeRequest = Parameters<NodeHandler>[0];
/** A response of either server, as connect-node types it. */
export type NodeResponse = Parameters<NodeHandler>[1];

const STATUS_OF_REASON: Partial<Record<AgentwireErrorReason, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  unavailable: 503,
};

/** The HTTP status of an error thrown by the core or the routes (500 for anything unexpected). */
export function httpStatusOf(error: unknown): number {
  if (error instanceof AgentwireError) return STATUS_OF_REASON[error.reason] ?? 500;
  return 500;
}

/** The `{error}` text of an error: its own message for a known reason, a fixed one otherwise. */
export function httpErrorText(error: unknown): string {
  if (error instanceof AgentwireError && STATUS_OF_REASON[error.reason] !== undefined) {
    // The unauthenticated answer is the one the existing clients know.
    return error.reason === "unauthenticated" ? "unauthorized" : error.rawMessage;
  }
  return "internal error";
}

/** Creates the error of a request field with the wrong shape. */
export function badField(message: string): AgentwireError {
  return new AgentwireError("invalid_argument", message, Code.InvalidArgument);
}

/** Writes a JSON answer. */
export function sendJson(res: NodeResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** Writes a JSON answer given as chunks of UTF-8 (written as they are, not joined). */
export function sendJsonChunks(res: NodeResponse, status: number, chunks: readonly Buffer[]): void {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = res as ServerResponse;
  out.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": length,
    "cache-control": "no-store",
  });
  // Corked, the chunks leave in one writev instead of a write each.
  const corked = typeof out.cork === "function";
  if (corked) out.cork();
  for (const c of chunks) out.write(c);
  if (corked) out.uncork();
  out.end();
}

/** Answers an error as `{error}` with its status; unexpected errors are reported to `onUnexpected`. */
export function sendError(
  res: NodeResponse,
  error: unknown,
  onUnexpected: (error: unknown) => void,
): void {
  const status = httpStatusOf(error);
  if (status === 500) onUnexpected(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: httpErrorText(error) });
}
