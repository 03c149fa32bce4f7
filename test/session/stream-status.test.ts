import * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import type { AgentwireError } from "agentwire";
import { describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { startRawSidecar } from "../helpers/raw-sidecar.js";

// What a sidecar can answer besides frames, each turned into a typed error
// with the code gRPC's HTTP/2 mapping gives it, and retried only when that
// code is retryable.

const cases: {
  name: string;
  answer: (stream: http2.ServerHttp2Stream) => void;
  code: Code;
  message: RegExp;
  retried: boolean;
}[] = [
  {
    name: "HTTP 503",
    answer: (s) => s.respond({ ":status": 503 }, { endStream: true }),
    code: Code.Unavailable,
    message: /HTTP 503/,
    retried: true,
  },
  {
    name: "a response that is not gRPC",
    answer: (s) => s.respond({ ":status": 200, "content-type": "text/html" }, { endStream: true }),
    code: Code.Unknown,
    message: /content-type "text\/html"/,
    retried: true,
  },
  {
    name: "a trailers-only error with an encoded message",
    answer: (s) =>
      s.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": "7",
          "grpc-message": "no%20entry",
        },
        { endStream: true },
      ),
    code: Code.PermissionDenied,
    message: /no entry/,
    retried: false,
  },
  {
    name: "a stream refused with RST_STREAM",
    answer: (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM),
    code: Code.Unavailable,
    message: /reset the stream \(HTTP\/2 error code 0x7\)/,
    retried: true,
  },
  {
    name: "an end without a gRPC status",
    answer: (s) =>
      s.respond({ ":status": 200, "content-type": "application/grpc" }, { endStream: true }),
    code: Code.Internal,
    message: /without a gRPC status/,
    retried: true,
  },
];

describe("what the sidecar answers instead of frames", () => {
  for (const c of cases) {
    it(`${c.name}: ${Code[c.code]}${c.retried ? ", retried" : ", not retried"}`, async () => {
      const raw = await startRawSidecar(c.answer);
      const agent = connectAgent(raw.address, { maxAttempts: 2 });
      const errors: AgentwireError[] = [];
      agent.session.on("error", (e) => errors.push(e));
      const closed = await agent.reach("closed");
      expect(errors[0]?.code).toBe(c.code);
      expect(errors[0]?.message).toMatch(c.message);
      expect(raw.streams()).toBe(c.retried ? 2 : 1);
      expect(closed.error?.reason).toBe(c.retried ? "gave_up" : "rpc_failed");
      agent.client.close();
      await raw.close();
    });
  }
});
