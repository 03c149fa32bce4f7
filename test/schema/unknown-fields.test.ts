/**
 * A peer on a newer schema may send fields and enum values this one does not
 * know. They must survive a decode and re-encode unchanged (a sidecar relays
 * what it does not understand), and unknown enum values stay numbers (proto3
 * enums are open) instead of collapsing to 0.
 */
import {
  create,
  equals,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  toJsonString,
} from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import {
  AgentResponseSchema,
  AudioEncoding,
  AudioStreamConfigSchema,
  ContentChunk_ChunkType,
  ContentChunkSchema,
  RenderableAction,
  RenderableSchema,
  schemaRegistry,
} from "agentwire/schema";
import { describe, expect, it } from "vitest";

const withUnknown = { registry: schemaRegistry, unknown: true };

/** Whether `needle` occurs in `haystack` as a contiguous run of bytes. */
function containsBytes(haystack: Uint8Array, needle: number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

// Field 99 as a VARINT: tag 99<<3|0 = 792 = 0b110_0011000 → 0x98 0x06.
// Field 100 as LEN: tag 100<<3|2 = 802 = 0b110_0100010 → 0xa2 0x06.
const innerUnknown = [0x98, 0x06, 0x2a, 0xa2, 0x06, 0x03, 0x61, 0x62, 0x63]; // 99: 42, 100: "abc"
const outerUnknown = [0x98, 0x06, 0x07, 0xa2, 0x06, 0x02, 0x7a, 0x7a]; //       99: 7, 100: "zz"

// biome-ignore format: one wire element per line
const agentResponse = [
  0x0a, 0x02, 0x63, 0x31, // field 1 (conversation_id): "c1"
  0x2a, 0x0f, //             field 5 (content), length 15 = 2 + 4 + 9, a ContentChunk:
  0x08, 0x02, //               field 1 (type): DELTA
  0x12, 0x02, 0x68, 0x69, //   field 2 (content): "hi"
  ...innerUnknown, //          fields 99 and 100, unknown to ContentChunk
  ...outerUnknown, //        fields 99 and 100, unknown to AgentResponse
];

describe("unknown fields", () => {
  it("are kept on decode, at the top level and in a nested message", () => {
    const decoded = fromBinary(AgentResponseSchema, new Uint8Array(agentResponse));
    expect(decoded.conversationId).toBe("c1");
    expect(decoded.$unknown).toEqual([
      { no: 99, wireType: WireType.Varint, data: new Uint8Array([0x07]) },
      { no: 100, wireType: WireType.LengthDelimited, data: new Uint8Array([0x02, 0x7a, 0x7a]) },
    ]);
    if (decoded.payload.case !== "content") throw new Error("expected the content payload");
    expect(decoded.payload.value.content).toBe("hi");
    expect(decoded.payload.value.$unknown?.map((u) => u.no)).toEqual([99, 100]);
  });

  it("re-encode to the same bytes and decode again equal", () => {
    const decoded = fromBinary(AgentResponseSchema, new Uint8Array(agentResponse));
    const reencoded = toBinary(AgentResponseSchema, decoded);
    expect(reencoded).toEqual(new Uint8Array(agentResponse));
    const again = fromBinary(AgentResponseSchema, reencoded);
    expect(equals(AgentResponseSchema, again, decoded, withUnknown)).toBe(true);
    // The comparison sees them: without the unknown fields the message differs.
    const known = create(AgentResponseSchema, {
      conversationId: "c1",
      payload: { case: "content", value: { type: ContentChunk_ChunkType.DELTA, content: "hi" } },
    });
    expect(equals(AgentResponseSchema, again, known)).toBe(true);
    expect(equals(AgentResponseSchema, again, known, withUnknown)).toBe(false);
  });

  it("written before known fields move behind them, intact", () => {
    // protobuf-es writes unknown fields after the known ones, so only their bytes are compared.
    const bytes = new Uint8Array([...outerUnknown, 0x0a, 0x02, 0x63, 0x31]);
    const decoded = fromBinary(AgentResponseSchema, bytes);
    const reencoded = toBinary(AgentResponseSchema, decoded);
    expect(reencoded).toEqual(new Uint8Array([0x0a, 0x02, 0x63, 0x31, ...outerUnknown]));
    expect(containsBytes(reencoded, outerUnknown)).toBe(true);
    const again = fromBinary(AgentResponseSchema, reencoded);
    expect(equals(AgentResponseSchema, again, decoded, withUnknown)).toBe(true);
  });
});

describe("unknown enum values", () => {
  it("stay the number sent, not 0, and re-encode to the same bytes", () => {
    const chunkBytes = new Uint8Array([0x08, 0x2a]); // ContentChunk field 1 (type), VARINT: 42
    const chunk = fromBinary(ContentChunkSchema, chunkBytes);
    expect(chunk.type).toBe(42);
    expect(chunk.$unknown).toBeUndefined();
    expect(toBinary(ContentChunkSchema, chunk)).toEqual(chunkBytes);

    const configBytes = new Uint8Array([0x08, 0x63]); // AudioStreamConfig field 1 (encoding): 99
    const config = fromBinary(AudioStreamConfigSchema, configBytes);
    expect(config.encoding).toBe(99);
    expect(config.encoding).not.toBe(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED);
    expect(toBinary(AudioStreamConfigSchema, config)).toEqual(configBytes);
  });

  it("in a packed repeated enum stay in place among known ones", () => {
    // Renderable field 6 (allowed_actions), LEN: 0x32; length 3; SUBMIT = 1, 42, CANCEL = 3.
    const bytes = new Uint8Array([0x32, 0x03, 0x01, 0x2a, 0x03]);
    const renderable = fromBinary(RenderableSchema, bytes);
    expect(renderable.allowedActions).toEqual([
      RenderableAction.SUBMIT,
      42,
      RenderableAction.CANCEL,
    ]);
    expect(toBinary(RenderableSchema, renderable)).toEqual(bytes);
  });

  it("are written to JSON as numbers and read back from them", () => {
    const chunk = create(ContentChunkSchema, { type: 42 as ContentChunk_ChunkType, content: "hi" });
    expect(toJson(ContentChunkSchema, chunk)).toEqual({ type: 42, content: "hi" });
    expect(toJsonString(ContentChunkSchema, chunk)).toBe('{"type":42,"content":"hi"}');
    // A known value still has its name, so the number above is not a general setting.
    const known = create(ContentChunkSchema, { type: ContentChunk_ChunkType.DELTA });
    expect(toJson(ContentChunkSchema, known)).toEqual({ type: "DELTA" });

    const back = fromJson(ContentChunkSchema, { type: 42, content: "hi" });
    expect(back.type).toBe(42);
    expect(equals(ContentChunkSchema, back, chunk)).toBe(true);
    const config = fromJson(AudioStreamConfigSchema, { encoding: 99 });
    expect(config.encoding).toBe(99);
    expect(toBinary(AudioStreamConfigSchema, config)).toEqual(new Uint8Array([0x08, 0x63]));
  });
});
