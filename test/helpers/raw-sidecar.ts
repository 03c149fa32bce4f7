import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { type AgentClientOptions, createAgentClient } from "agentwire";

/**
 * A raw node:http2 server on 127.0.0.1 that answers every stream with
 * `answer`: for tests of what a sidecar may send besides valid frames.
 */
export async function startRawSidecar(
  answer: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
) {
  let streams = 0;
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream, headers) => {
    streams++;
    stream.on("error", () => {});
    answer(stream, headers);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    /** `127.0.0.1:PORT`. */
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** How many streams were opened. */
    streams: () => streams,
    /** Stops the server and its connections. */
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Answers a stream with `body` bytes, then the trailers of status OK. */
export function answerWithBytes(body: () => Uint8Array) {
  return (stream: http2.ServerHttp2Stream) => {
    stream.respond(
      { ":status": 200, "content-type": "application/grpc+proto" },
      { waitForTrailers: true },
    );
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(body());
  };
}

/** Answers a stream with response headers that carry the gRPC status `code` and `message`, and no frame. */
export function answerWithStatus(code: number, message: string) {
  return (stream: http2.ServerHttp2Stream) => {
    stream.respond({
      ":status": 200,
      "content-type": "application/grpc+proto",
      "grpc-status": String(code),
      "grpc-message": message,
    });
    stream.end();
  };
}

/**
 * The two ways a session runs its conversation stream over a real
 * connection: "direct" writes straight on the node:http2 session, "universal"
 * goes through Connect's universal HTTP client (the path of connections
 * without a node:http2 session, such as the testing kit's). Each returns the
 * client options that select it.
 */
export const streamPaths = {
  direct: (): AgentClientOptions => ({}),
  universal: (address: string): AgentClientOptions => {
    const { http2: _, ...connection } = createAgentClient({ address }).connection;
    return { connection };
  },
} as const;
