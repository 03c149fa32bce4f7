/**
 * Byte strings written by hand from the protobuf wire rules, decoded with the
 * generated schema and compared with what it encodes. None of these bytes
 * come from the generator, so they prove wire compatibility on their own.
 *
 * The rules used below:
 * - a tag is the varint `field_number << 3 | wire_type`; wire type 0 is a
 *   varint, 2 is length-delimited (a varint length, then that many bytes);
 * - a varint is 7 bits per byte, least significant group first, with the high
 *   bit set on every byte but the last;
 * - negative int32 and int64 values are sign-extended to 64 bits, so they
 *   always take 10 bytes;
 * - proto3 packs repeated scalars and enums: one tag, a length, the varints;
 * - a map entry is a length-delimited message { key = 1; value = 2; }.
 *
 * protobuf-es writes fields sorted by field number (not in .proto declaration
 * order; the two differ in AgentResponse, see below), so the hand bytes list
 * fields in number order too.
 */
import {
  create,
  type DescMessage,
  equals,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  AgentResponseSchema,
  AudioChunkSchema,
  ContentChunk_ChunkType,
  ConversationRequestSchema,
  ImageAttachmentSchema,
  MessageSchema,
  RenderableAction,
  RenderableSchema,
  RenderKind,
  UserSchema,
} from "agentwire/schema";
import { describe, expect, it } from "vitest";

/** Asserts `bytes` decode to `init` and that `init` encodes to exactly `bytes`. */
function expectWire<Desc extends DescMessage>(
  desc: Desc,
  bytes: number[],
  init: MessageInitShape<Desc>,
): void {
  const wire = new Uint8Array(bytes);
  const built = create(desc, init);
  expect(equals(desc, fromBinary(desc, wire), built)).toBe(true);
  expect(toBinary(desc, built)).toEqual(wire);
}

describe("hand-computed bytes", () => {
  it("an AgentResponse with a ContentChunk payload (field 5)", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x0a, 0x02, 0x63, 0x31, // field 1 (conversation_id), LEN: 1<<3|2 = 0x0a; length 2; "c1"
      0x12, 0x02, 0x72, 0x31, // field 2 (response_id), LEN: 2<<3|2 = 0x12; length 2; "r1"
      0x2a, 0x06, //             field 5 (content), LEN: 5<<3|2 = 0x2a; length 6, the ContentChunk:
      0x08, 0x02, //               field 1 (type), VARINT: 1<<3|0 = 0x08; DELTA = 2
      0x12, 0x02, 0x68, 0x69, //   field 2 (content), LEN: 0x12; length 2; "hi"
    ];
    const decoded = fromBinary(AgentResponseSchema, new Uint8Array(bytes));
    expect(decoded.conversationId).toBe("c1");
    expect(decoded.responseId).toBe("r1");
    expect(decoded.payload.case).toBe("content");
    if (decoded.payload.case !== "content") throw new Error("unreachable");
    expect(decoded.payload.value.type).toBe(ContentChunk_ChunkType.DELTA);
    expect(decoded.payload.value.content).toBe("hi");
    expect(decoded.payload.value.attachments).toEqual([]);
    expectWire(AgentResponseSchema, bytes, {
      conversationId: "c1",
      responseId: "r1",
      payload: { case: "content", value: { type: ContentChunk_ChunkType.DELTA, content: "hi" } },
    });
  });

  it("AgentResponse.trace_context (15) is written after the payload, and read in any order", () => {
    // trace_context is declared before the oneof in response.proto, but has the
    // highest number, so the encoder writes it last.
    const content = [0x2a, 0x03, 0x12, 0x01, 0x78]; // field 5, LEN: 0x2a; length 3: ContentChunk{content (2): "x"}
    const trace = [0x7a, 0x03, 0x0a, 0x01, 0x74]; // field 15, LEN: 15<<3|2 = 0x7a; length 3: TraceContext{traceparent (1): "t"}
    const init = {
      traceContext: { traceparent: "t" },
      payload: { case: "content", value: { content: "x" } },
    } as const;
    expectWire(AgentResponseSchema, [...content, ...trace], init);
    // A writer that follows declaration order is still understood.
    const reversed = fromBinary(AgentResponseSchema, new Uint8Array([...trace, ...content]));
    expect(equals(AgentResponseSchema, reversed, create(AgentResponseSchema, init))).toBe(true);
  });

  it("a ConversationRequest carrying agent_config (field 3) with one tool", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x1a, 0x16, //                    field 3 (agent_config), LEN: 3<<3|2 = 0x1a; length 22, the AgentConfig:
      0x0a, 0x08, //                      field 1 (system_prompt), LEN; length 8
      0x62, 0x65, 0x20, 0x62, 0x72, 0x69, 0x65, 0x66, // "be brief"
      0x12, 0x08, //                      field 2 (tools), LEN: 2<<3|2 = 0x12; length 8, an AgentToolConfig:
      0x0a, 0x06, 0x73, 0x65, 0x61, 0x72, 0x63, 0x68, // field 1 (name), length 6, "search"
      0x18, 0x01, //                      field 3 (supports_files), VARINT: 3<<3|0 = 0x18; true = 1
    ]; // 22 = 2 + 8 + 2 + 8 + 2
    const decoded = fromBinary(ConversationRequestSchema, new Uint8Array(bytes));
    expect(decoded.request.case).toBe("agentConfig");
    if (decoded.request.case !== "agentConfig") throw new Error("unreachable");
    expect(decoded.request.value.systemPrompt).toBe("be brief");
    expect(decoded.request.value.supportsFiles).toBe(true);
    expect(decoded.request.value.tools.map((t) => t.name)).toEqual(["search"]);
    expectWire(ConversationRequestSchema, bytes, {
      request: {
        case: "agentConfig",
        value: { systemPrompt: "be brief", supportsFiles: true, tools: [{ name: "search" }] },
      },
    });
  });

  it("a map: User.user_data (field 5), one length-delimited entry per key", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x0a, 0x02, 0x75, 0x31, //             field 1 (id), LEN; length 2; "u1"
      0x2a, 0x06, //                         field 5 (user_data), LEN: 5<<3|2 = 0x2a; length 6, an entry:
      0x0a, 0x01, 0x61, 0x12, 0x01, 0x31, //   key (1) "a", value (2) "1"
      0x2a, 0x06, //                         field 5 again, the second entry:
      0x0a, 0x01, 0x62, 0x12, 0x01, 0x32, //   key (1) "b", value (2) "2"
    ];
    const decoded = fromBinary(UserSchema, new Uint8Array(bytes));
    expect(decoded.id).toBe("u1");
    expect(decoded.userData).toEqual({ a: "1", b: "2" });
    expectWire(UserSchema, bytes, { id: "u1", userData: { a: "1", b: "2" } });
  });

  it("a negative int32 is a 10-byte varint: ImageAttachment.width = -1", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x20, //                                                 field 4 (width), VARINT: 4<<3|0 = 0x20
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // -1 as 64 one-bits: 9 × 7 bits + 1 bit
      0x28, 0xac, 0x02, //                                     field 5 (height), VARINT: 0x28; 300 = 0b10_0101100 → 0xac 0x02
    ];
    const decoded = fromBinary(ImageAttachmentSchema, new Uint8Array(bytes));
    expect(decoded.width).toBe(-1);
    expect(decoded.height).toBe(300);
    expectWire(ImageAttachmentSchema, bytes, { width: -1, height: 300 });
  });

  // biome-ignore format: one varint per line
  const int64Cases: [bigint, number[]][] = [
    // 2^32 + 1 = bit 32 and bit 0: groups (low first) 0000001, 0, 0, 0, then bit 32 is bit 4 of group 5 → 0x10.
    [2n ** 32n + 1n, [0x81, 0x80, 0x80, 0x80, 0x10]],
    // 2^53 + 1 (not exact as a JS number): bit 0, six empty groups, bit 53 is bit 4 of group 8 → 0x10.
    [2n ** 53n + 1n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]],
    // -2: 64-bit two's complement 0xffff_ffff_ffff_fffe → 0xfe, eight 0xff, then the last bit 0x01.
    [-2n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  it.each(int64Cases)("an int64: AudioChunk.sequence = %s", (sequence, varint) => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x0a, 0x03, 0x01, 0x02, 0x03, // field 1 (data), LEN; length 3; bytes 01 02 03
      0x10, ...varint, //              field 2 (sequence), VARINT: 2<<3|0 = 0x10
      0x18, 0x01, //                   field 3 (done), VARINT; true
    ];
    const decoded = fromBinary(AudioChunkSchema, new Uint8Array(bytes));
    expect(decoded.sequence).toBe(sequence);
    expect(decoded.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(decoded.done).toBe(true);
    expectWire(AudioChunkSchema, bytes, {
      data: new Uint8Array([1, 2, 3]),
      sequence,
      done: true,
    });
  });

  it("a packed repeated enum: Renderable.allowed_actions (field 6)", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x0a, 0x02, 0x66, 0x31, // field 1 (id), LEN; "f1"
      0x10, 0x01, //             field 2 (kind), VARINT: 2<<3|0 = 0x10; RENDER_KIND_FORM = 1
      0x32, 0x03, //             field 6 (allowed_actions), LEN: 6<<3|2 = 0x32; length 3, packed:
      0x01, 0x03, 0x05, //         SUBMIT = 1, CANCEL = 3, UNSUPPORTED = 5
    ];
    const actions = [
      RenderableAction.SUBMIT,
      RenderableAction.CANCEL,
      RenderableAction.UNSUPPORTED,
    ];
    const decoded = fromBinary(RenderableSchema, new Uint8Array(bytes));
    expect(decoded.id).toBe("f1");
    expect(decoded.kind).toBe(RenderKind.FORM);
    expect(decoded.allowedActions).toEqual(actions);
    expectWire(RenderableSchema, bytes, {
      id: "f1",
      kind: RenderKind.FORM,
      allowedActions: actions,
    });

    // Parsers must also accept the unpacked form: one VARINT tag 6<<3|0 = 0x30 per element.
    // biome-ignore format: the same fields, each element with its own tag
    const unpacked = [0x0a, 0x02, 0x66, 0x31, 0x10, 0x01, 0x30, 0x01, 0x30, 0x03, 0x30, 0x05];
    const fromUnpacked = fromBinary(RenderableSchema, new Uint8Array(unpacked));
    expect(equals(RenderableSchema, fromUnpacked, decoded)).toBe(true);
  });

  it("a google.protobuf.Timestamp: Message.timestamp (field 2)", () => {
    // biome-ignore format: one wire element per line
    const bytes = [
      0x12, 0x08, //                         field 2 (timestamp), LEN: 2<<3|2 = 0x12; length 8:
      0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, //   seconds (1), VARINT; 1_700_000_000 = 0x6553f100 in 7-bit groups
      0x10, 0x05, //                           nanos (2), VARINT; 5
    ];
    const decoded = fromBinary(MessageSchema, new Uint8Array(bytes));
    expect(decoded.timestamp?.seconds).toBe(1_700_000_000n);
    expect(decoded.timestamp?.nanos).toBe(5);
    expectWire(MessageSchema, bytes, { timestamp: { seconds: 1_700_000_000n, nanos: 5 } });
  });
});
