import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

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
  /** Stops listening and closes every HTTP/2 session (destroying those still open after 1 s). */
  close(): Promise<void>;
}

/**
 * Serves `routes` as plaintext gRPC on a real HTTP/2 port, for agents that
 * connect to `GRPC_SERVER_ADDR`; resolves once the server listens.
 */
export async function listenFakeSidecar(
  routes: (router: ConnectRouter) => void,
  options: FakeListenerOptions,
): Promise<FakeListener> {
  const sessions = new Set<http2.ServerHttp2Session>();
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
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    address: `${options.host}:${(server.address() as AddressInfo).port}`,
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.close();
      const force = setTimeout(() => {
        for (const s of sessions) s.destroy();
      }, 1000);
      await stopped;
      clearTimeout(force);
    },
  };
}
