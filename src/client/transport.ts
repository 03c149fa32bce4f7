import type { Transport } from "@connectrpc/connect";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import {
  createGrpcTransport,
  createNodeHttpClient,
  Http2SessionManager,
} from "@connectrpc/connect-node";

/** The HTTP/2 connection to one sidecar, shared by unary calls and the conversation stream. */
export interface SidecarConnection {
  /** The sidecar's base URL, e.g. `http://localhost:9090`. */
  readonly baseUrl: string;
  /** Connect's gRPC transport, for unary and server-streaming calls. */
  readonly transport: Transport;
  /** The raw HTTP/2 client the conversation stream writes its own frames with. */
  readonly httpClient: UniversalClientFn;
  /**
   * The node:http2 session, when the connection is a real one: the
   * conversation stream then writes straight on it (less memory and work
   * per stream than `httpClient`); in-memory connections leave it unset.
   */
  readonly http2?: Http2SessionManager;
  /** The largest frame accepted in either direction, in bytes. */
  readonly maxFrameBytes: number;
  /** Closes the HTTP/2 connection; calls in flight fail with CANCELED. */
  close(): void;
}

/** Options of `createSidecarConnection`. */
export interface SidecarConnectionOptions {
  /** The sidecar's base URL (see `resolveSidecarUrl`). */
  baseUrl: string;
  /** The largest frame accepted in either direction, in bytes (the sidecar's limit is 4 MiB). */
  maxFrameBytes: number;
  /**
   * Interval of HTTP/2 keepalive pings, in milliseconds; none by default. A
   * deployed sidecar closes connections that ping more often than every 5 minutes.
   */
  pingIntervalMs?: number;
}

/**
 * Opens (lazily) one plaintext HTTP/2 connection to a sidecar and builds both
 * Connect's gRPC transport and the raw HTTP/2 client on top of it.
 */
export function createSidecarConnection(options: SidecarConnectionOptions): SidecarConnection {
  const sessionManager = new Http2SessionManager(options.baseUrl, {
    pingIntervalMs: options.pingIntervalMs ?? Number.POSITIVE_INFINITY,
    pingIdleConnection: false,
  });
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    sessionManager,
    readMaxBytes: options.maxFrameBytes,
    writeMaxBytes: options.maxFrameBytes,
  });
  const httpClient = createNodeHttpClient({
    httpVersion: "2",
    sessionProvider: () => sessionManager,
  });
  return {
    baseUrl: options.baseUrl,
    transport,
    httpClient,
    http2: sessionManager,
    maxFrameBytes: options.maxFrameBytes,
    close: () => sessionManager.abort(),
  };
}
