import { Code, ConnectError, type ConnectRouter, createConnectRouter } from "@connectrpc/connect";
import type {
  UniversalClientFn,
  UniversalClientResponse,
  UniversalHandler,
} from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-grpc";
import { defaultMaxFrameBytes } from "../client/agent-client.js";
import type { SidecarConnection } from "../client/transport.js";

/** Options of `createInMemoryConnection`. */
export interface InMemoryConnectionOptions {
  /** The largest frame accepted in either direction, in bytes (default 4 MiB, the sidecar's limit). */
  maxFrameBytes?: number;
  /** The base URL reported to clients (default `http://in-memory.agentwire`). */
  baseUrl?: string;
}

/**
 * Creates a SidecarConnection that serves `routes` in this process: requests
 * go through Connect's gRPC handlers (real gRPC framing, status in trailers)
 * with no socket in between, so an agent under test talks to a fake sidecar
 * exactly as it would over the network. `close()` cancels the calls in flight.
 */
export function createInMemoryConnection(
  routes: (router: ConnectRouter) => void,
  options: InMemoryConnectionOptions = {},
): SidecarConnection {
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  const baseUrl = options.baseUrl ?? "http://in-memory.agentwire";
  const router = createConnectRouter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: maxFrameBytes,
    writeMaxBytes: maxFrameBytes,
  });
  routes(router);
  const inFlight = new Set<AbortController>();
  const httpClient = createHandlerClient(router.handlers, inFlight);
  const transport = createTransport({
    httpClient,
    baseUrl,
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: maxFrameBytes,
    writeMaxBytes: maxFrameBytes,
  });
  return {
    baseUrl,
    transport,
    httpClient,
    maxFrameBytes,
    close() {
      const reason = new ConnectError("the in-memory connection was closed", Code.Canceled);
      for (const call of [...inFlight]) call.abort(reason);
    },
  };
}

/**
 * A UniversalClientFn calling handlers directly. Unlike Connect's own
 * in-memory client it hands over the handler's live trailer object, which
 * the gRPC protocol fills in only after the last message (the status), and
 * it tracks calls so `close()` can cancel them.
 */
function createHandlerClient(
  handlers: UniversalHandler[],
  inFlight: Set<AbortController>,
): UniversalClientFn {
  const byPath = new Map(handlers.map((h) => [h.requestPath, h]));
  return async (request): Promise<UniversalClientResponse> => {
    const path = new URL(request.url).pathname;
    const handler = byPath.get(path);
    if (handler === undefined) {
      throw new ConnectError(`in-memory sidecar: no handler for ${path}`, Code.Unimplemented);
    }
    const call = new AbortController();
    const onCallerAbort = () => call.abort(request.signal?.reason);
    if (request.signal?.aborted) onCallerAbort();
    request.signal?.addEventListener("abort", onCallerAbort, { once: true });
    inFlight.add(call);
    const finish = () => {
      inFlight.delete(call);
      request.signal?.removeEventListener("abort", onCallerAbort);
    };
    try {
      const response = await raceAbort(
        call.signal,
        handler({
          body: request.body ?? emptyBody(),
          httpVersion: "2.0",
          method: request.method,
          url: request.url,
          header: request.header,
          signal: call.signal,
        }),
      );
      const body = response.body ?? emptyBody();
      return {
        status: response.status,
        header: new Headers(response.header),
        trailer: response.trailer ?? new Headers(),
        body: abortableBody(body, call.signal, finish),
      };
    } catch (e) {
      finish();
      throw e;
    }
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

async function* abortableBody(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  finish: () => void,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await raceAbort(signal, it.next());
      if (r.done) return;
      yield r.value;
    }
  } finally {
    finish();
    if (signal.aborted) void it.return?.()?.catch(() => {});
  }
}

function raceAbort<T>(signal: AbortSignal, promise: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() =>
    signal.removeEventListener("abort", onAbort as () => void),
  );
}

function abortReason(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  return reason instanceof ConnectError
    ? reason
    : new ConnectError("the call was cancelled", Code.Canceled, undefined, undefined, reason);
}
