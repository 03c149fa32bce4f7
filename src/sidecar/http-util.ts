/**
 * Small HTTP helpers for the web chat API: JSON replies, bounded body
 * reading, and the typed error a handler throws to answer with a status.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type BoundedBodyErrors,
  readBoundedBody,
  readBoundedParts,
} from "../internal/bounded-body.js";

/** An error that answers the request with `status` and `{error, message}`. */
export class HttpError extends Error {
  override name = "HttpError";
  /** The HTTP status to answer with. */
  readonly status: number;
  /** A short machine-readable code such as `bad_json`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Writes a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** The sidecar's errors of a bounded read: 413 over the bound, 400 when the client left. */
const bodyErrors = (maxBytes: number): BoundedBodyErrors => ({
  tooLarge: () => new HttpError(413, "body_too_large", `the body exceeds ${maxBytes} bytes`),
  closed: () => new HttpError(400, "closed", "the client closed the request"),
});

/** Reads the whole request body, refusing more than `maxBytes` with 413. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return readBoundedBody(req, maxBytes, bodyErrors(maxBytes));
}

/**
 * Reads the whole request body as pieces of `chunkBytes` (the last may be
 * shorter), refusing more than `maxBytes` with 413. Each arriving part is
 * copied once into its piece and let go, so the body is held once.
 */
export async function readBodyChunks(
  req: IncomingMessage,
  maxBytes: number,
  chunkBytes: number,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let current = new Uint8Array(0);
  let filled = 0;
  await readBoundedParts(req, maxBytes, bodyErrors(maxBytes), (part) => {
    for (let offset = 0; offset < part.length; ) {
      if (filled === current.length) {
        current = new Uint8Array(chunkBytes);
        filled = 0;
        chunks.push(current);
      }
      const n = Math.min(part.length - offset, current.length - filled);
      current.set(part.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
    }
  });
  const last = chunks.length - 1;
  if (last >= 0 && filled < current.length) chunks[last] = current.subarray(0, filled);
  return chunks;
}

/**
 * Reads a JSON object body. Requiring `application/json` keeps other web
 * pages from posting to the local sidecar with a CORS "simple request".
 */
export async function readJsonObject(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  }
  const body = await readBody(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8") || "null");
  } catch {
    throw new HttpError(400, "bad_json", "the body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "bad_json", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Host names a loopback-bound sidecar answers to (guards against DNS rebinding). */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return name === "localhost" || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name ?? "");
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
