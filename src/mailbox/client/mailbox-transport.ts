import type { Interceptor, Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { createKeepAliveAgent } from "./keep-alive-agent.js";
import type { ResolvedMailboxOptions } from "./mailbox-options.js";
import { createUnaryCaller } from "./unary-transport.js";

/** The connections of one mailbox client and the Connect transport over them. */
export interface MailboxConnection {
  /** Connect's transport for the MailboxService client. */
  readonly transport: Transport;
  /** Closes the connections; calls in flight fail, later calls open new ones. */
  close(): void;
}

/**
 * Opens (lazily) the client's connections: the Connect protocol over
 * HTTP/1.1 with keep-alive by default (unary calls through the lean
 * `createUnaryCaller`, `Watch` through Connect's transport, one agent for
 * both), or gRPC over one HTTP/2 connection (h2c for `http://`). A token
 * travels as `Authorization: Bearer TOKEN`.
 */
export function createMailboxConnection(
  options: Pick<
    ResolvedMailboxOptions,
    | "baseUrl"
    | "token"
    | "protocol"
    | "readMaxBytes"
    | "socketIdleTimeoutMs"
    | "socketIdleMaxMs"
    | "transport"
  >,
): MailboxConnection {
  const interceptors: Interceptor[] = [];
  const token = options.token;
  if (token !== undefined) {
    interceptors.push((next) => (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    });
  }
  if (options.transport !== undefined) {
    // The token also goes on a given transport, so token mode works in memory.
    const inner = options.transport;
    const transport = token === undefined ? inner : withAuthorization(inner, `Bearer ${token}`);
    return { transport, close: () => {} };
  }
  const limits = { readMaxBytes: options.readMaxBytes };
  if (options.protocol === "grpc") {
    const sessionManager = new Http2SessionManager(options.baseUrl, {
      pingIntervalMs: Number.POSITIVE_INFINITY,
      pingIdleConnection: false,
    });
    const transport = createGrpcTransport({
      baseUrl: options.baseUrl,
      sessionManager,
      interceptors,
      ...limits,
    });
    return { transport, close: () => sessionManager.abort() };
  }
  // Without its own timeout, node's agent keeps an idle socket until the
  // server closes it, and a request that picks it up at that moment fails
  // with EPIPE or ECONNRESET. With one, idle sockets close first: at the
  // server's Keep-Alive hint minus 1 s, or after socketIdleTimeoutMs without
  // a hint. Active sockets are not affected: the agent only destroys free ones.
  const agent = createKeepAliveAgent(options.baseUrl.startsWith("https:"), {
    idleMs: options.socketIdleTimeoutMs,
    idleMaxMs: options.socketIdleMaxMs,
  });
  const streams = createConnectTransport({
    baseUrl: options.baseUrl,
    httpVersion: "1.1",
    nodeOptions: { agent },
    useBinaryFormat: true,
    interceptors,
    ...limits,
  });
  const unary = createUnaryCaller({
    baseUrl: options.baseUrl,
    agent,
    readMaxBytes: options.readMaxBytes,
    ...(token !== undefined && { header: { authorization: `Bearer ${token}` } }),
  });
  const transport: Transport = { unary, stream: streams.stream };
  return { transport, close: () => agent.destroy() };
}

/** A transport that sets `authorization` on every call of `inner`. */
function withAuthorization(inner: Transport, value: string): Transport {
  const withHeader = (header: HeadersInit | undefined): Headers => {
    const h = new Headers(header);
    h.set("authorization", value);
    return h;
  };
  return {
    unary: (method, signal, timeoutMs, header, message, contextValues) =>
      inner.unary(method, signal, timeoutMs, withHeader(header), message, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      inner.stream(method, signal, timeoutMs, withHeader(header), input, contextValues),
  };
}
