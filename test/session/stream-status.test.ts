import * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { AgentwireError } from "agentwire";
import { AgentMessaging, TraceContextSchema } from "agentwire/schema";
import { createInMemoryConnection } from "agentwire/testing";
import { describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { startRawSidecar, streamPaths } from "../helpers/raw-sidecar.js";

// What a sidecar can answer besides frames, each turned into a typed error
// with the code gRPC's HTTP/2 mapping gives it (its details and trailer
// metadata kept), and retried only when that code is retryable: the same on
// the direct node:http2 path and on the universal one.

/** A detail a sidecar attaches to its error status (any message will do). */
const detail = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

/** The gRPC status of `error` as node:http2 headers: status, message, details and metadata. */
function statusHeaders(error: ConnectError): http2.OutgoingHttpHeaders {
  return Object.fromEntries(setTrailerStatus(new Headers(), error));
}

const failure = (code: Code, message: string) =>
  new ConnectError(message, code, { "x-sidecar-region": "eu-1" }, [
    { desc: TraceContextSchema, value: detail },
  ]);

const grpcHeaders = { ":status": 200, "content-type": "application/grpc" };

interface Case {
  name: string;
  answer: (stream: http2.ServerHttp2Stream) => void;
  code: Code;
  message: RegExp;
  retried: boolean;
  /** Whether the error carries the detail and the `x-sidecar-region` metadata of `failure`. */
  detailed?: boolean;
}

const cases: Case[] = [
  {
    name: "HTTP 503",
    answer: (s) => s.respond({ ":status": 503 }, { endStream: true }),
    code: Code.Unavailable,
    message: /HTTP 503/,
    retried: true,
  },
  {
    name: "HTTP 404",
    answer: (s) => s.respond({ ":status": 404 }, { endStream: true }),
    code: Code.Unimplemented,
    message: /HTTP 404/,
    retried: false,
  },
  {
    name: "a response that is not gRPC",
    answer: (s) => s.respond({ ":status": 200, "content-type": "text/html" }, { endStream: true }),
    code: Code.Unknown,
    message: /unsupported content type text\/html/,
    retried: true,
  },
  {
    name: "a gRPC response in JSON",
    answer: (s) =>
      s.respond({ ":status": 200, "content-type": "application/grpc+json" }, { endStream: true }),
    code: Code.Unknown,
    message: /application\/grpc\+json/,
    retried: true,
  },
  {
    name: "a compressed response",
    answer: (s) => s.respond({ ...grpcHeaders, "grpc-encoding": "gzip" }, { endStream: true }),
    code: Code.Internal,
    message: /unsupported response encoding "gzip"/,
    retried: true,
  },
  {
    name: "a trailers-only error with an encoded message",
    answer: (s) =>
      s.respond(
        { ...grpcHeaders, "grpc-status": "7", "grpc-message": "no%20entry" },
        { endStream: true },
      ),
    code: Code.PermissionDenied,
    message: /no entry/,
    retried: false,
  },
  {
    name: "a trailers-only error with details and metadata",
    answer: (s) =>
      s.respond(
        { ...grpcHeaders, ...statusHeaders(failure(Code.FailedPrecondition, "not set up")) },
        { endStream: true },
      ),
    code: Code.FailedPrecondition,
    message: /not set up/,
    retried: false,
    detailed: true,
  },
  {
    name: "an error in the trailers with details and metadata",
    answer: (s) => {
      s.respond(grpcHeaders, { waitForTrailers: true });
      s.on("wantTrailers", () =>
        s.sendTrailers(statusHeaders(failure(Code.ResourceExhausted, "too many agents"))),
      );
      s.end();
    },
    code: Code.ResourceExhausted,
    message: /too many agents/,
    retried: true,
    detailed: true,
  },
  {
    name: "a gRPC status that does not exist",
    answer: (s) => {
      s.respond(grpcHeaders, { waitForTrailers: true });
      s.on("wantTrailers", () => s.sendTrailers({ "grpc-status": "99" }));
      s.end();
    },
    code: Code.Internal,
    message: /invalid grpc-status: 99/,
    retried: true,
  },
  {
    name: "a stream refused with RST_STREAM",
    answer: (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM),
    code: Code.Unavailable,
    message: /0x7\b/,
    retried: true,
  },
  {
    name: "a stream reset with ENHANCE_YOUR_CALM",
    answer: (s) => s.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM),
    code: Code.ResourceExhausted,
    message: /0xb\b/,
    retried: true,
  },
  {
    name: "an end without a gRPC status",
    answer: (s) => s.respond(grpcHeaders, { endStream: true }),
    code: Code.Internal,
    message: /missing status/,
    retried: true,
  },
];

/** Checks the detail and metadata `failure` puts on an error, as the agent sees them. */
function expectDetailed(error: AgentwireError | undefined): void {
  expect(error?.findDetails(TraceContextSchema)).toEqual([create(TraceContextSchema, detail)]);
  expect(error?.metadata.get("x-sidecar-region")).toBe("eu-1");
}

for (const [path, clientOptions] of Object.entries(streamPaths)) {
  describe(`what the sidecar answers instead of frames (${path} stream)`, () => {
    for (const c of cases) {
      it(`${c.name}: ${Code[c.code]}${c.retried ? ", retried" : ", not retried"}`, async () => {
        const raw = await startRawSidecar(c.answer);
        const agent = connectAgent(raw.address, { maxAttempts: 2 }, clientOptions(raw.address));
        const errors: AgentwireError[] = [];
        agent.session.on("error", (e) => errors.push(e));
        const closed = await agent.reach("closed");
        expect(errors[0]?.code).toBe(c.code);
        expect(errors[0]?.message).toMatch(c.message);
        if (c.detailed) {
          expectDetailed(errors[0]);
        } else {
          expect(errors[0]?.details).toEqual([]);
        }
        expect(raw.streams()).toBe(c.retried ? 2 : 1);
        expect(closed.error?.reason).toBe(c.retried ? "gave_up" : "rpc_failed");
        agent.client.close();
        await raw.close();
      });
    }
  });
}

describe("an error the testing kit's in-memory sidecar raises", () => {
  it("reaches the agent with its code, message, details and metadata", async () => {
    const connection = createInMemoryConnection((router) =>
      router.service(AgentMessaging, {
        // biome-ignore lint/correctness/useYield: the stream fails before its first frame
        async *processConversation() {
          throw failure(Code.FailedPrecondition, "not set up");
        },
      }),
    );
    const agent = connectAgent("in-memory", { maxAttempts: 2 }, { connection });
    const errors: AgentwireError[] = [];
    agent.session.on("error", (e) => errors.push(e));
    const closed = await agent.reach("closed");
    expect(errors[0]?.code).toBe(Code.FailedPrecondition);
    expect(errors[0]?.message).toMatch(/not set up/);
    expectDetailed(errors[0]);
    expect(closed.error?.reason).toBe("rpc_failed");
    agent.client.close();
  });
});
