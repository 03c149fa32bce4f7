import * as http2 from "node:http2";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { listenOn, trackHttp2Sessions } from "../sidecar-core/listen.js";

/** Where to serve a fake sidecar on a real port, and its frame limit. */
export interface FakeListenerOptions {
  /** The interface to listen on. */
  host: string;
  /** The port to listen on (0: any free port). */
  port: number;
  /** The largest frame accepted in either direction, in bytes. */
  maxFrameBytes: number;
}

/** A fake sidecar's HTTP/2 server once it listens. */
export interface FakeListener {
  /** `host:port` the server listens on. */
  readonly address: string;
  /** Stops listening and closes every HTTP/2 session gracefully, as the dev sidecar does. */
  close(): Promise<void>;
}

/**
 * Serves `routes` as plaintext gRPC on a real HTTP/2 port, for agents that
 * connect to `GRPC_SERVER_ADDR`; resolves once the server listens (a port in
 * use rejects with AgentwireError `invalid_argument` naming `port`).
 */
export async function listenFakeSidecar(
  routes: (router: ConnectRouter) => void,
  options: FakeListenerOptions,
): Promise<FakeListener> {
  const server = http2.createServer(
    connectNodeAdapter({
      routes,
      grpc: true,
      grpcWeb: false,
      connect: false,
      readMaxBytes: options.maxFrameBytes,
      writeMaxBytes: options.maxFrameBytes,
    }),
  );
  const tracked = trackHttp2Sessions(server);
  const port = await listenOn(server, options.port, options.host, "port");
  return { address: `${options.host}:${port}`, close: () => tracked.close() };
}
