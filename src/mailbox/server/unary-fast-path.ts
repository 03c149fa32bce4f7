/**
 * The typed service's unary calls in their common form, answered without
 * connect-node's generic request pipeline: an HTTP/1.1 `POST
 * /agentwire.mailbox.v1.MailboxService/Method` with a binary body
 * (`application/proto`, uncompressed, protocol version 1, no query). It runs
 * the same method implementation with a context from Connect's
 * `createHandlerContext`, hides unexpected errors the same way, and writes
 * the answer with Connect's own pieces (gzip over 1 KiB when accepted,
 * trailers as `trailer-` headers, error JSON and its HTTP status). Every
 * other request (JSON, compressed bodies, HTTP/2, gRPC, streams, GET) goes
 * to connect-node's adapter unchanged.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { create, type DescMethodUnary, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { compressionGzip } from "@connectrpc/connect-node";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import { type BoundedBodyErrors, readBoundedBody } from "../../internal/bounded-body.js";
import { headersFromRaw } from "../../internal/raw-headers.js";
import { hiddenError } from "./hide-internals.js";

/** Connect's default: answers up to this many bytes go uncompressed. */
const COMPRESS_MIN_BYTES = 1024;
const PREFIX = `/${MailboxService.typeName}/`;

/** A unary method implementation, as the service registers it. */
type UnaryImpl = (request: never, context: never) => Promise<unknown>;

/** Options of {@link createUnaryFastPath}. */
export interface UnaryFastPathOptions {
  /** The largest request body accepted, in bytes (the adapter's `readMaxBytes`). */
  readonly readMaxBytes: number;
  /** Aborted when the server shuts down. */
  readonly shutdownSignal: AbortSignal;
  /** Receives each unexpected error that was hidden from the caller. */
  readonly log: (error: unknown) => void;
}

/** Answers a request and returns true, or returns false (it touched nothing) for the adapter to serve. */
export type UnaryFastPath = (req: IncomingMessage | Http2ServerRequest, res: unknown) => boolean;

/** Creates the fast path over `impl`, the typed service's method implementations by local name. */
export function createUnaryFastPath(
  impl: Readonly<Record<string, unknown>>,
  options: UnaryFastPathOptions,
): UnaryFastPath {
  const methods = new Map<string, { method: DescMethodUnary; impl: UnaryImpl }>();
  for (const method of MailboxService.methods)
    if (method.methodKind === "unary")
      methods.set(method.name, {
        method: method as DescMethodUnary,
        impl: impl[method.localName] as UnaryImpl,
      });
  return (req, res) => {
    if (req.httpVersionMajor !== 1 || req.method !== "POST") return false;
    const url = req.url ?? "";
    if (!url.startsWith(PREFIX)) return false;
    const entry = methods.get(url.slice(PREFIX.length));
    if (entry === undefined) return false;
    const h = req.headers;
    if (h["content-type"] !== "application/proto") return false;
    const encoding = h["content-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const version = h["connect-protocol-version"];
    if (version !== undefined && version !== "1") return false;
    const timeout = parseTimeout((h["connect-timeout-ms"] as string | undefined) ?? null, 2 ** 31);
    if (timeout.error !== undefined) return false;
    const gzip = /\bgzip\b/i.test(h["accept-encoding"] ?? "");
    serve(
      req as IncomingMessage,
      res as ServerResponse,
      entry,
      timeout.timeoutMs,
      gzip,
      options,
    ).catch(() => {
      // serve answers every error itself; this is for a socket that broke while it did.
      (res as ServerResponse).destroy();
    });
    return true;
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  { method, impl }: { method: DescMethodUnary; impl: UnaryImpl },
  timeoutMs: number | undefined,
  gzip: boolean,
  options: UnaryFastPathOptions,
): Promise<void> {
  const requestHeader = headersFromRaw(req.rawHeaders);
  const ctx = createHandlerContext({
    service: MailboxService,
    method,
    protocolName: "connect",
    requestMethod: "POST",
    url: req.url ?? "",
    ...(timeoutMs !== undefined && { timeoutMs }),
    shutdownSignal: options.shutdownSignal,
    requestHeader,
  });
  try {
    const body = await readBoundedBody(req, options.readMaxBytes, bodyErrors(options.readMaxBytes));
    const input = parse(method, body);
    const output = await impl(input as never, ctx as never);
    if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
    let bytes: Uint8Array = toBinary(method.output, create(method.output, output as never));
    const head = headerObject(trailerMux(ctx.responseHeader, ctx.responseTrailer));
    head["content-type"] = "application/proto";
    if (gzip && bytes.byteLength > COMPRESS_MIN_BYTES) {
      bytes = await compressionGzip.compress(bytes);
      head["content-encoding"] = "gzip";
    }
    head["content-length"] = String(bytes.byteLength);
    res.writeHead(200, head);
    res.end(bytes);
  } catch (e) {
    const error = hiddenError(e, options.log) as ConnectError;
    const bytes = errorToJsonBytes(error, undefined);
    const head = headerObject(trailerMux(ctx.responseHeader, ctx.responseTrailer));
    for (const [k, v] of error.metadata) head[k] = v;
    head["content-type"] = "application/json";
    head["content-length"] = String(bytes.byteLength);
    if (!res.headersSent) {
      res.writeHead(codeToHttpStatus(error.code), head);
      res.end(bytes);
    } else res.destroy();
  } finally {
    ctx.abort();
  }
}

/** The request message; a body that is not one fails as Connect's own parse fails (INTERNAL "parse binary: ..."). */
function parse(method: DescMethodUnary, body: Uint8Array) {
  try {
    return fromBinary(method.input, body);
  } catch (e) {
    throw new ConnectError(
      `parse binary: ${e instanceof Error ? e.message : String(e)}`,
      Code.Internal,
    );
  }
}

function headerObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** Connect's own refusals: a body over its limit, and a client that left. */
const bodyErrors = (max: number): BoundedBodyErrors => ({
  tooLarge: () =>
    new ConnectError(
      `message size is larger than configured readMaxBytes ${max}`,
      Code.ResourceExhausted,
    ),
  closed: () => new ConnectError("the client closed the request", Code.Canceled),
});
