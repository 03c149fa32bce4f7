import { create, toBinary } from "@bufbuild/protobuf";
import { ContentChunk_ChunkType, ConversationRequestSchema } from "agentwire/schema";
import { describe, expect, it } from "vitest";
import { encodeContentRequest } from "../../src/session/content-encoder.js";

// The specialised encoder must write exactly what protobuf-es writes.

function reference(
  conv: string,
  resp: string,
  type: number,
  text: string,
  trace?: { traceparent: string; tracestate: string },
) {
  return toBinary(
    ConversationRequestSchema,
    create(ConversationRequestSchema, {
      request: {
        case: "agentResponse",
        value: {
          conversationId: conv,
          responseId: resp,
          traceContext: trace,
          payload: { case: "content", value: { type, content: text } },
        },
      },
    }),
  );
}

const texts = [
  "",
  "hello ",
  "x".repeat(127),
  "x".repeat(128),
  "y".repeat(16_383),
  "y".repeat(16_384),
  "z".repeat(70_000),
  "naïve café ✓ 日本語 🎉",
  "lone \ud800 surrogate \udfff",
];
const ids = ["", "c", "3f2b8a64-1c7e-4d0f-9b1a-2e5c7d9f0a11", "é".repeat(100)];
const traces = [
  undefined,
  { traceparent: "", tracestate: "" },
  { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "" },
  {
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    tracestate: "vendor=x",
  },
];
const types = [
  0,
  ContentChunk_ChunkType.START,
  ContentChunk_ChunkType.DELTA,
  ContentChunk_ChunkType.END,
  ContentChunk_ChunkType.REPLACE,
  300,
  2 ** 31 - 1,
];

describe("encodeContentRequest", () => {
  it("writes the bytes toBinary writes, for every combination of edge cases", () => {
    let cases = 0;
    for (const text of texts)
      for (const conv of ids)
        for (const resp of ids.slice(0, 3))
          for (const trace of traces)
            for (const type of types) {
              const got = encodeContentRequest(conv, resp, type, text, trace);
              const want = reference(conv, resp, type, text, trace);
              if (!Buffer.from(got).equals(Buffer.from(want))) {
                throw new Error(
                  `mismatch for ${JSON.stringify({ conv, resp, type, text: text.slice(0, 20), trace })}`,
                );
              }
              cases++;
            }
    expect(cases).toBe(texts.length * ids.length * 3 * traces.length * types.length);
  });
});
