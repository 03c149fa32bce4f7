/**
 * One port for HTTP/1.1 and HTTP/2 cleartext: a `net.Server` reads the first
 * bytes of each connection and hands it to a `node:http` server, or to a
 * `node:http2` server when they are the HTTP/2 connection preface (h2c with
 * prior knowledge, as gRPC and Connect's HTTP/2 transports speak it). Both
 * servers call the same request handler. Draining stops accepting, lets the
 * requests in flight finish (HTTP/1.1 connections close after their response,
 * HTTP/2 sessions get GOAWAY) and destroys what is left after a grace period.
 *
 * @module
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";

/** The HTTP/2 client connection preface. */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A request handler for both protocol versions. */
export type DualHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** Options of {@link createOnePortServer}. */
export interface OnePortServerOptions {
  /** Milliseconds a connection may take to send enough bytes to tell its protocol. */
  readonly firstBytesTimeoutMs: number;
  /** Milliseconds an idle HTTP/1.1 keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
}

/** A listener serving HTTP/1.1 and h2c on one port. */
export interface OnePortServer {
  /** Binds `host:port`; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Whether draining began. */
  readonly draining: boolean;
  /** Open connections (of both protocols). */
  readonly connectionCount: number;
  /** Stops accepting, waits for the connections to end, destroys them after `graceMs`. */
  drain(graceMs: number): Promise<void>;
}

/** Whether `head` is (so far) the HTTP/2 preface; undefined while it is too short to tell. */
function isH2Preface(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (!head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return false;
  return n === H2_PREFACE.length ? true : undefined;
}

/** Creates a server that serves `handler` over HTTP/1.1 and h2c on one port. */
export function createOnePortServer(
  handler: DualHandler,
  options: OnePortServerOptions,
): OnePortServer {
  let draining = false;
  const sockets = new Set<Socket>();
  const undecided = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const http1 = createHttpServer((req, res) => {
    if (draining) res.setHeader("connection", "close");
    handler(req, res);
  });
  http1.keepAliveTimeout = options.keepAliveTimeoutMs;
  // node:http wants the headers timeout above the keep-alive timeout (and not
  // above the request timeout) or it may cut an idle connection first.
  http1.headersTimeout = Math.max(http1.headersTimeout, options.keepAliveTimeoutMs + 1000);
  http1.requestTimeout = Math.max(http1.requestTimeout, http1.headersTimeout);
  const http2 = createHttp2Server(handler);
  http2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (draining) session.close();
  });
  // Each protocol server only ever sees connections handed over below.
  http1.on("clientError", (_err, socket) => socket.destroy());
  // node:http tracks its connections (idle ones to close, header and request
  // timeouts to enforce) from its 'listening' event; this one never listens itself.
  http1.emit("listening");

  // node:http's own servers turn Nagle's algorithm off; this one accepts for
  // them, so it must too, or a response written in pieces (a streamed Watch
  // frame, a chunked body's last chunk) waits for the client's delayed ACK.
  const net = createNetServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      undecided.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    socket.setTimeout(options.firstBytesTimeoutMs, () => socket.destroy());
    undecided.add(socket);
    if (draining) socket.destroy();
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const h2 = isH2Preface(head);
      if (h2 === undefined) return;
      socket.off("data", onData);
      undecided.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      if (h2) http2.emit("connection", socket);
      else {
        http1.emit("connection", socket);
        // The HTTP/1.1 parser reads the bytes given back through 'data'.
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        net.once("error", reject);
        net.listen(port, host, () => {
          net.off("error", reject);
          resolve(net.address() as AddressInfo);
        });
      });
    },
    get draining() {
      return draining;
    },
    get connectionCount() {
      return sockets.size;
    },
    async drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => net.close(() => resolve()));
      for (const socket of undecided) socket.destroy();
      for (const session of sessions) session.close();
      // Closes the idle HTTP/1.1 connections and stops node:http's timeout checks;
      // busy ones close after their response (it carries `connection: close`).
      http1.close(() => {});
      const idle = setInterval(() => http1.closeIdleConnections(), 20);
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
    },
  };
}
