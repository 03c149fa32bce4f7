/**
 * The bench sidecar: a raw node:http2 gRPC server on 127.0.0.1 that serves
 * ProcessConversation to every client the same way. It parses only envelope
 * headers (no protobuf decoding on the hot path, so it is never the slower
 * side) and writes pre-encoded frames. The orchestrator sets its mode over
 * IPC; the server reports what it saw as events.
 *
 * Modes, applied to every stream:
 * - `count`: counts frames after the config; at `n` it writes one "done"
 *   frame back and emits `counted`.
 * - `inbound`: on the first frame after the config ("go") it writes `n` user
 *   messages as fast as HTTP/2 flow control allows.
 * - `rtt`: on "go" it writes a user message and times until a frame comes
 *   back, `n` times, then emits `rtt` with the percentiles (microseconds).
 * - `idle`: only counts configs.
 *
 * Run: `node --import tsx bench/server.ts [--port P] [--mode count --n N]`.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AgentResponseSchema, ConversationRequestSchema } from "agentwire/schema";
import { envelopes, userMessageBytes } from "./fixtures.js";
import { emitEvent, serveCommands } from "./proc.js";
import { summarise } from "./stats.js";

/** What the server does with each stream. */
export type ServerMode = { kind: "count" | "inbound" | "rtt" | "idle"; n: number };

const processConversationPath = "/astro.messaging.v1.AgentMessaging/ProcessConversation";
const doneEnvelope = envelopes([
  toBinary(
    AgentResponseSchema,
    create(AgentResponseSchema, {
      conversationId: "done",
      payload: { case: "incomingMessage", value: { id: "done", content: "done" } },
    }),
  ),
]);
const userEnvelope = envelopes([userMessageBytes]);
const floodBatchFrames = 64;
const floodBatch = envelopes([userMessageBytes], floodBatchFrames);

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    mode: { type: "string", default: "idle" },
    n: { type: "string", default: "0" },
  },
});

let mode: ServerMode = { kind: values.mode as ServerMode["kind"], n: Number(values.n) };
const stats = { streams: 0, configs: 0, counted: 0, badFrames: 0, open: 0 };

/** Calls `onFrame` for every complete gRPC envelope; hands over the payload when one chunk holds it whole. */
class EnvelopeCounter {
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;

  push(chunk: Buffer, onFrame: (payload: Uint8Array | undefined) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        at += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) onFrame(undefined);
        continue;
      }
      this.header[this.headerFill++] = chunk[at++] as number;
      if (this.headerFill < 5) continue;
      this.headerFill = 0;
      const len = this.header.readUInt32BE(1);
      if (len === 0) {
        onFrame(new Uint8Array(0));
      } else if (chunk.length - at >= len) {
        const payload = chunk.subarray(at, at + len);
        at += len;
        onFrame(payload);
      } else {
        this.bodyLeft = len;
      }
    }
  }
}

function checkFrame(payload: Uint8Array | undefined, expect: "agentConfig" | "agentResponse") {
  if (payload === undefined) return;
  try {
    if (fromBinary(ConversationRequestSchema, payload).request.case !== expect) stats.badFrames++;
  } catch {
    stats.badFrames++;
  }
}

function serveConversation(stream: http2.ServerHttp2Stream): void {
  stats.streams++;
  stats.open++;
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.on("error", () => {});
  stream.on("close", () => stats.open--);
  stream.on("end", () => {
    if (!stream.closed && !stream.writableEnded) stream.end();
  });
  const streamMode = mode;
  const counter = new EnvelopeCounter();
  let frames = 0;
  let rttSamples: Float64Array | undefined;
  let rttSent = 0;
  let rttAt = 0;
  const write = (buf: Buffer) => {
    if (!stream.closed && !stream.writableEnded) return stream.write(buf);
    return true;
  };
  const flood = (n: number) => {
    let sent = 0;
    const pump = () => {
      while (sent < n && !stream.closed) {
        const k = Math.min(floodBatchFrames, n - sent);
        sent += k;
        const ok = write(k === floodBatchFrames ? floodBatch : envelopes([userMessageBytes], k));
        if (!ok) {
          stream.once("drain", pump);
          return;
        }
      }
    };
    pump();
  };
  const onFrame = (payload: Uint8Array | undefined) => {
    frames++;
    if (frames === 1) {
      stats.configs++;
      checkFrame(payload, "agentConfig");
      emitEvent("config", { atMs: performance.now() });
      return;
    }
    if (frames === 2) checkFrame(payload, "agentResponse");
    switch (streamMode.kind) {
      case "count":
        stats.counted++;
        if (stats.counted === streamMode.n) {
          write(doneEnvelope);
          emitEvent("counted", { n: stats.counted, atMs: performance.now() });
        }
        break;
      case "inbound":
        if (frames === 2) flood(streamMode.n);
        break;
      case "rtt": {
        const now = performance.now();
        if (rttSamples === undefined) {
          rttSamples = new Float64Array(streamMode.n);
        } else if (rttSent <= streamMode.n) {
          rttSamples[rttSent - 1] = (now - rttAt) * 1000;
        }
        if (rttSent < streamMode.n) {
          rttSent++;
          rttAt = performance.now();
          write(userEnvelope);
        } else if (rttSent === streamMode.n) {
          rttSent++;
          emitEvent("rtt", summarise(Array.from(rttSamples)));
        }
        break;
      }
      case "idle":
        break;
    }
  };
  stream.on("data", (chunk: Buffer) => counter.push(chunk, onFrame));
}

const server = http2.createServer({ settings: { maxConcurrentStreams: 100_000 } });
server.on("stream", (stream, headers) => {
  if (headers[":path"] === processConversationPath) {
    serveConversation(stream);
    return;
  }
  stream.on("error", () => {});
  stream.respond(
    { ":status": 200, "content-type": "application/grpc", "grpc-status": "12" },
    { endStream: true },
  );
});
server.on("sessionError", () => {});

serveCommands({
  mode(next: ServerMode) {
    mode = next;
    stats.counted = 0;
    stats.badFrames = 0;
  },
  stats: () => ({ ...stats }),
});

server.listen(Number(values.port), "127.0.0.1", () => {
  const port = (server.address() as AddressInfo).port;
  emitEvent("listening", { port, atMs: performance.now() });
});
