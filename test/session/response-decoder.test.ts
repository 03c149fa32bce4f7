import {
  create,
  createFileRegistry,
  type DescMessage,
  equals,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import {
  type AgentResponse,
  AgentResponseSchema,
  Attachment_Type,
  PlatformContext_EventKind,
  StatusUpdateSchema,
  StreamControl_Action,
} from "agentwire/schema";
import { describe, expect, it } from "vitest";
import {
  type FastReaderCoverage,
  fastReaderMatchesSchema,
  fieldTags,
} from "../../src/session/decoder-fields.js";
import {
  decodeAgentResponse,
  decodeAgentResponseFast,
  fastReaderCoverage,
} from "../../src/session/response-decoder.js";
import { populate, populateVariants } from "../helpers/populate.js";

// The specialised decoder must be indistinguishable from fromBinary: same
// values, same shapes, and it throws exactly when fromBinary throws.

type Init = MessageInitShape<typeof AgentResponseSchema>;

const encode = (init: Init) => toBinary(AgentResponseSchema, create(AgentResponseSchema, init));

/** Own enumerable keys in order, recursively: the object shapes create() and fromBinary() build. */
function shape(value: unknown): unknown {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array)
    return typeof value;
  if (Array.isArray(value)) return value.map(shape);
  return Object.entries(value).map(([k, v]) => [k, shape(v)]);
}

/** Whether a message or any message inside it holds unknown fields. */
function hasUnknown(value: unknown): boolean {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return false;
  if ("$unknown" in value) return true;
  return Object.values(value).some(hasUnknown);
}

/** Decodes with both decoders and asserts the same result; returns the fast result. */
function expectSame(bytes: Uint8Array): AgentResponse {
  const expected = fromBinary(AgentResponseSchema, bytes);
  const actual = decodeAgentResponse(bytes);
  expect(actual).toStrictEqual(expected);
  expect(equals(AgentResponseSchema, actual, expected)).toBe(true);
  expect(toBinary(AgentResponseSchema, actual)).toEqual(toBinary(AgentResponseSchema, expected));
  return actual;
}

/** Like expectSame, for canonical input the fast path must take: same key order, same bytes back. */
function expectFastAndSame(bytes: Uint8Array): AgentResponse {
  expect(decodeAgentResponseFast(bytes)).toBeDefined();
  const actual = expectSame(bytes);
  expect(shape(actual)).toEqual(shape(fromBinary(AgentResponseSchema, bytes)));
  expect(toBinary(AgentResponseSchema, actual)).toEqual(new Uint8Array(bytes));
  return actual;
}

type Outcome = { ok: true; value: AgentResponse } | { ok: false; error: string };

function outcome(decode: () => AgentResponse): Outcome {
  try {
    return { ok: true, value: decode() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** Asserts both decoders throw the same error, or both return equal frames. */
function expectSameOutcome(bytes: Uint8Array): Outcome {
  const want = outcome(() => fromBinary(AgentResponseSchema, bytes));
  const got = outcome(() => decodeAgentResponse(bytes));
  expect(got.ok).toBe(want.ok);
  if (got.ok && want.ok) {
    expect(got.value).toStrictEqual(want.value);
    expect(equals(AgentResponseSchema, got.value, want.value)).toBe(true);
  } else {
    expect(got).toEqual(want);
  }
  return got;
}

/** A seeded PRNG (mulberry32), so the random cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A length-delimited field with raw content. */
function lenField(w: BinaryWriter, fieldNo: number, content: Uint8Array): BinaryWriter {
  return w.tag(fieldNo, WireType.LengthDelimited).bytes(content);
}

/** An AgentResponse{incoming_message: Message{<message bytes>}} around hand-written Message bytes. */
function frameWithMessage(message: Uint8Array, extra?: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string("conv-1");
  lenField(w, 3, message);
  extra?.(w);
  return w.finish();
}

/** A frame whose Message.platform_context holds the given raw PlatformContext bytes. */
function frameWithPlatformContext(context: Uint8Array): Uint8Array {
  return frameWithMessage(lenField(new BinaryWriter(), 4, context).finish());
}

const hotFrame: Init = {
  conversationId: "3f2b8c1e-9a47-4d2e-b6a1-0c5d7e8f9a12",
  responseId: "a81c4e0f-52d3-4b9a-8e67-f1d2c3b4a596",
  payload: {
    case: "incomingMessage",
    value: {
      id: "a81c4e0f-52d3-4b9a-8e67-f1d2c3b4a596",
      timestamp: { seconds: 1_760_000_000n, nanos: 123_000_000 },
      platform: "slack",
      conversationId: "3f2b8c1e-9a47-4d2e-b6a1-0c5d7e8f9a12",
      content: "Could you summarise the attached Q3 report and the dashboard?",
      user: { id: "U04ABCD1234", username: "dana.fischer", email: "dana@example.com" },
      platformContext: {
        messageId: "1760000000.123456",
        channelId: "C05EFGH5678",
        channelName: "team-analytics",
        workspaceId: "T01WXYZ9876",
        platformData: { team_domain: "example-corp", event_ts: "1760000000.1234" },
        botUserId: "U07BOT00001",
        eventKind: PlatformContext_EventKind.APP_MENTION,
        userId: "U04ABCD1234",
      },
      attachments: [
        {
          type: Attachment_Type.FILE,
          url: "https://files.example.com/F0123/q3-report.pdf",
          filename: "q3-report.pdf",
          sizeBytes: 482_133n,
          mimeType: "application/pdf",
        },
        {
          type: Attachment_Type.IMAGE,
          url: "https://files.example.com/F0124/dashboard.png",
          width: 1440,
          height: 900,
        },
      ],
    },
  },
};

describe("decodeAgentResponse on canonical frames", () => {
  it("decodes the hot user-message frame on the fast path, from a Uint8Array, a Buffer and an offset view", () => {
    const bytes = encode(hotFrame);
    const decoded = expectFastAndSame(bytes);
    expect(decoded.payload.case).toBe("incomingMessage");
    expectFastAndSame(Buffer.from(bytes));
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expectFastAndSame(padded.subarray(3, 3 + bytes.length));
  });

  for (const { label, message } of populateVariants(AgentResponseSchema)) {
    it(`matches fromBinary for a fully populated frame (${label})`, () => {
      const bytes = toBinary(AgentResponseSchema, message);
      const decoded = expectFastAndSame(bytes);
      expect(decoded).toStrictEqual(message);
      expectFastAndSame(Buffer.from(bytes));
    });
  }

  const partial: [string, Init][] = [
    ["an empty frame", {}],
    ["only the conversation id", { conversationId: "c" }],
    ["only the trace context", { traceContext: { traceparent: "00-ab-cd-01" } }],
    ["an empty message", { payload: { case: "incomingMessage", value: {} } }],
    [
      "a zero timestamp and empty nested messages",
      {
        payload: {
          case: "incomingMessage",
          value: { timestamp: {}, user: {}, platformContext: {}, attachments: [{}, {}] },
        },
      },
    ],
    [
      "negative timestamps and extreme integers",
      {
        payload: {
          case: "incomingMessage",
          value: {
            timestamp: { seconds: -62_135_596_800n, nanos: -1 },
            attachments: [
              { width: -1, height: -2_147_483_648, sizeBytes: 2n ** 53n + 7n },
              { width: 2_147_483_647, sizeBytes: 2n ** 63n - 1n },
              { sizeBytes: -1n },
              { sizeBytes: -(2n ** 63n) },
              { sizeBytes: 2n ** 31n },
              { sizeBytes: 2n ** 28n },
            ],
          },
        },
      },
    ],
    [
      "unknown and negative enum values",
      {
        payload: {
          case: "incomingMessage",
          value: {
            platformContext: { eventKind: 99 as PlatformContext_EventKind },
            attachments: [
              { type: 99 as Attachment_Type },
              { type: -3 as Attachment_Type },
              { type: 2_000_000_000 as Attachment_Type },
            ],
          },
        },
      },
    ],
    [
      "unicode, a byte-order mark and a literal U+FFFD",
      {
        conversationId: "héllo ✓ 🙂",
        responseId: "\uFEFFbom",
        payload: {
          case: "incomingMessage",
          value: {
            content: "replacement \uFFFD is text here",
            user: { username: "ünïcödé", userData: { ключ: "значение", "": "" } },
            platformContext: { platformData: { "🙂": "\uFEFF" } },
          },
        },
      },
    ],
    [
      "long strings with multi-byte lengths",
      {
        responseId: "r".repeat(128),
        payload: { case: "incomingMessage", value: { content: "x".repeat(100_000) } },
      },
    ],
    [
      "many attachments and map entries with empty keys and values",
      {
        payload: {
          case: "incomingMessage",
          value: {
            attachments: Array.from({ length: 20 }, (_, i) => ({ title: `t${i}`, storageKey: "" })),
            platformContext: { platformData: { "": "empty key", v: "", __proto__x: "y" } },
            user: { userData: { a: "1", b: "2", c: "3" } },
          },
        },
      },
    ],
    [
      "a trace context with a user message",
      {
        traceContext: { traceparent: "00-1-2-01", tracestate: "k=v" },
        payload: { case: "incomingMessage", value: { id: "m" } },
      },
    ],
    ["a partial status", { payload: { case: "status", value: { emoji: "⏳" } } }],
    [
      "a partial feedback",
      {
        payload: {
          case: "feedback",
          value: {
            feedback: { case: "streamControl", value: { action: StreamControl_Action.STOP } },
          },
        },
      },
    ],
    ["an empty audio chunk", { payload: { case: "audioChunk", value: {} } }],
  ];
  for (const [label, init] of partial) {
    it(`matches fromBinary for ${label}`, () => {
      expectFastAndSame(encode(init));
    });
  }

  it("keeps a __proto__ map key as an own entry, like fromBinary", () => {
    const entry = new BinaryWriter().tag(1, WireType.LengthDelimited).string("__proto__");
    entry.tag(2, WireType.LengthDelimited).string("polluted");
    const bytes = frameWithPlatformContext(
      lenField(new BinaryWriter(), 10, entry.finish()).finish(),
    );
    const decoded = expectSame(bytes);
    expect(decodeAgentResponseFast(bytes)).toBeDefined();
    const value = decoded.payload.value as { platformContext: { platformData: object } };
    expect(Object.getPrototypeOf(value.platformContext.platformData)).toBe(Object.prototype);
    expect(Object.keys(value.platformContext.platformData)).toEqual(["__proto__"]);
  });
});

describe("decodeAgentResponse on unusual but valid encodings", () => {
  it("handles map entries with a missing key, a missing value, swapped order and repeats", () => {
    const entries = [
      new BinaryWriter().tag(2, WireType.LengthDelimited).string("no key").finish(),
      new BinaryWriter().tag(1, WireType.LengthDelimited).string("no value").finish(),
      new BinaryWriter().finish(),
      new BinaryWriter()
        .tag(2, WireType.LengthDelimited)
        .string("v-first")
        .tag(1, WireType.LengthDelimited)
        .string("k")
        .finish(),
      new BinaryWriter()
        .tag(1, WireType.LengthDelimited)
        .string("k")
        .tag(1, WireType.LengthDelimited)
        .string("k2")
        .tag(2, WireType.LengthDelimited)
        .string("a")
        .tag(2, WireType.LengthDelimited)
        .string("b")
        .finish(),
      new BinaryWriter().tag(1, WireType.LengthDelimited).string("k").finish(),
    ];
    const context = new BinaryWriter();
    for (const e of entries) lenField(context, 10, e);
    const bytes = frameWithPlatformContext(context.finish());
    expect(decodeAgentResponseFast(bytes)).toBeDefined();
    const decoded = expectSame(bytes);
    const value = decoded.payload.value as { platformContext: { platformData: object } };
    expect(value.platformContext.platformData).toEqual({ "": "", k: "", k2: "b", "no value": "" });
  });

  it("takes the last value of a repeated scalar field", () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).string("first");
    w.tag(1, WireType.LengthDelimited).string("second");
    const att = new BinaryWriter()
      .tag(8, WireType.Varint)
      .int32(5)
      .tag(8, WireType.Varint)
      .int32(-7);
    lenField(w, 3, lenField(new BinaryWriter(), 7, att.finish()).finish());
    const bytes = w.finish();
    expect(decodeAgentResponseFast(bytes)).toBeDefined();
    expect(expectSame(bytes).conversationId).toBe("second");
  });

  it("reads non-canonical varints (overlong lengths, 5-byte int32, 10-byte enums and int64) like fromBinary", () => {
    const overlongLength = frameWithMessage(new Uint8Array([0x0a, 0x82, 0x80, 0x00, 0x68, 0x69]));
    // width = 0xffffffff as five bytes is -1; type with garbage above bit 31; size_bytes with a full tenth byte.
    const attachment = new Uint8Array([
      0x40, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0x7f, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ]);
    const odd = frameWithMessage(lenField(new BinaryWriter(), 7, attachment).finish());
    for (const bytes of [overlongLength, odd]) {
      expect(decodeAgentResponseFast(bytes)).toBeDefined();
      expectSame(bytes);
    }
  });

  it("merges a message field that occurs twice, by falling back to fromBinary", () => {
    const ts1 = new BinaryWriter().tag(1, WireType.Varint).int64(5n).finish();
    const ts2 = new BinaryWriter().tag(2, WireType.Varint).int32(7).finish();
    const twiceTimestamp = frameWithMessage(
      lenField(lenField(new BinaryWriter(), 2, ts1), 2, ts2).finish(),
    );
    const twiceMessage = frameWithMessage(new Uint8Array([0x0a, 0x01, 0x61]), (w) => {
      lenField(w, 3, new Uint8Array([0x1a, 0x01, 0x62]));
    });
    const twiceTrace = new BinaryWriter();
    lenField(twiceTrace, 15, new Uint8Array([0x0a, 0x01, 0x61]));
    lenField(twiceTrace, 15, new Uint8Array([0x12, 0x01, 0x62]));
    const twoCases = frameWithMessage(new Uint8Array([0x0a, 0x01, 0x61]), (w) => {
      lenField(w, 4, new Uint8Array([0x08, 0x01]));
    });
    for (const bytes of [twiceTimestamp, twiceMessage, twiceTrace.finish(), twoCases]) {
      expect(decodeAgentResponseFast(bytes)).toBeUndefined();
      expectSame(bytes);
    }
    const merged = decodeAgentResponse(twiceTimestamp).payload.value as {
      timestamp: { seconds: bigint; nanos: number };
    };
    expect(merged.timestamp).toMatchObject({ seconds: 5n, nanos: 7 });
    expect(decodeAgentResponse(twoCases).payload.case).toBe("status");
  });

  it("accepts a wire type fromBinary tolerates (a string read from a varint tag), via the fallback", () => {
    const bytes = new Uint8Array([0x08, 0x03, 0x61, 0x62, 0x63]);
    expect(decodeAgentResponseFast(bytes)).toBeUndefined();
    expect(expectSame(bytes).conversationId).toBe("abc");
  });
});

describe("decodeAgentResponse on unknown fields", () => {
  const unknownVarint = new BinaryWriter().tag(99, WireType.Varint).uint32(42).finish();
  const unknownString = new BinaryWriter().tag(16, WireType.LengthDelimited).string("x").finish();
  const unknownGroup = new BinaryWriter()
    .tag(20, WireType.StartGroup)
    .tag(1, WireType.Varint)
    .uint32(1)
    .tag(20, WireType.EndGroup)
    .finish();
  const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const message = (inner: Uint8Array) => lenField(new BinaryWriter(), 3, inner).finish();
  const nested = (field: number, inner: Uint8Array) =>
    message(lenField(new BinaryWriter(), field, inner).finish());
  const cases: [string, Uint8Array, Uint8Array][] = [
    ["top level", concat(encode(hotFrame), unknownVarint), unknownVarint],
    ["top level, a low field number", concat(unknownString, encode(hotFrame)), unknownString],
    ["top level, a group", concat(unknownGroup, encode(hotFrame)), unknownGroup],
    ["in Message", message(unknownString), unknownString],
    ["in Timestamp", nested(2, unknownVarint), unknownVarint],
    ["in PlatformContext", nested(4, unknownString), unknownString],
    ["in User", nested(5, unknownGroup), unknownGroup],
    ["in Attachment", nested(7, unknownVarint), unknownVarint],
    ["in TraceContext", lenField(new BinaryWriter(), 15, unknownString).finish(), unknownString],
    [
      "in a fromBinary payload",
      lenField(new BinaryWriter(), 13, unknownString).finish(),
      unknownString,
    ],
  ];
  for (const [label, bytes, unknown] of cases) {
    it(`keeps them in $unknown (${label})`, () => {
      expect(decodeAgentResponseFast(bytes) === undefined).toBe(
        !label.includes("fromBinary payload"),
      );
      const decoded = expectSame(bytes);
      expect(hasUnknown(decoded)).toBe(true);
      const reencoded = toBinary(AgentResponseSchema, decoded);
      expect(Buffer.from(reencoded).includes(Buffer.from(unknown))).toBe(true);
      expect(decodeAgentResponse(reencoded)).toStrictEqual(decoded);
    });
  }

  it("round-trips unknown bytes at the top level and nested", () => {
    const bytes = concat(nested(5, unknownString), unknownVarint);
    const reencoded = Buffer.from(toBinary(AgentResponseSchema, decodeAgentResponse(bytes)));
    expect(reencoded.includes(Buffer.from(unknownString))).toBe(true);
    expect(reencoded.includes(Buffer.from(unknownVarint))).toBe(true);
  });

  it("drops an unknown field inside a map entry, like fromBinary", () => {
    const entry = new BinaryWriter().tag(1, WireType.LengthDelimited).string("k");
    entry.tag(3, WireType.Varint).uint32(1).tag(2, WireType.LengthDelimited).string("v");
    const bytes = frameWithPlatformContext(
      lenField(new BinaryWriter(), 10, entry.finish()).finish(),
    );
    expect(decodeAgentResponseFast(bytes)).toBeUndefined();
    expectSame(bytes);
  });
});

describe("decodeAgentResponse on malformed input", () => {
  /** A frame whose Message.content is the given raw bytes. */
  const contentFrame = (text: Uint8Array) =>
    frameWithMessage(lenField(new BinaryWriter(), 6, text).finish());

  it("throws fromBinary's error for invalid UTF-8 in every fast-path string position", () => {
    const invalid = new Uint8Array([0x61, 0xc3, 0x28]);
    const frames = [
      lenField(new BinaryWriter(), 1, invalid).finish(),
      contentFrame(invalid),
      frameWithPlatformContext(lenField(new BinaryWriter(), 15, invalid).finish()),
      frameWithPlatformContext(
        lenField(
          new BinaryWriter(),
          10,
          lenField(new BinaryWriter(), 1, invalid).finish(),
        ).finish(),
      ),
      frameWithMessage(
        lenField(new BinaryWriter(), 7, lenField(new BinaryWriter(), 2, invalid).finish()).finish(),
      ),
      lenField(new BinaryWriter(), 15, lenField(new BinaryWriter(), 2, invalid).finish()).finish(),
    ];
    for (const bytes of frames) {
      expect(expectSameOutcome(bytes).ok).toBe(false);
    }
  });

  it("agrees with fromBinary on random byte strings (surrogates, overlongs, truncated sequences, U+FFFD)", () => {
    const random = prng(7);
    const pool = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x9f, 0xa0, 0xbd, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed,
      0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0xff,
    ];
    let valid = 0;
    let invalid = 0;
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(random() * 9);
      const text = Uint8Array.from(
        { length: len },
        () => pool[Math.floor(random() * pool.length)] as number,
      );
      if (expectSameOutcome(contentFrame(text)).ok) valid++;
      else invalid++;
    }
    for (const seq of [
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x99],
      [0xef, 0xbf, 0xbd],
      [0xef, 0xbb, 0xbf, 0x61],
      [0xf0, 0x9f, 0x99, 0x82],
    ]) {
      expectSameOutcome(contentFrame(new Uint8Array(seq)));
    }
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });

  it("throws when fromBinary throws for truncation, bad lengths and bad tags", () => {
    const bytes = encode(hotFrame);
    const cases = [
      bytes.subarray(0, bytes.length - 1),
      bytes.subarray(0, 1),
      new Uint8Array([0x0a, 0x05, 0x61]),
      new Uint8Array([0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      new Uint8Array([0x0a, 0x80]),
      new Uint8Array([0x00]),
      new Uint8Array([0x0f]),
      new Uint8Array([0x1a, 0x03, 0x40, 0xff, 0xff]),
      frameWithMessage(
        new Uint8Array([
          0x12, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]),
      ),
    ];
    for (const c of cases) {
      expect(expectSameOutcome(c).ok).toBe(false);
    }
  });

  it("agrees with fromBinary when a nested field runs past its message into the parent", () => {
    // Message{id} declares 2 bytes but its string is 3 long; fromBinary reads on into the frame.
    const bytes = new Uint8Array([0x1a, 0x02, 0x0a, 0x03, 0x0a, 0x01, 0x61]);
    expect(decodeAgentResponseFast(bytes)).toBeUndefined();
    expectSameOutcome(bytes);
  });

  it("keeps fromBinary's recursion limit inside a fromBinary payload", () => {
    for (const depth of [96, 97, 98, 99, 100]) {
      const w = new BinaryWriter();
      for (let i = 0; i < depth; i++) w.tag(30, WireType.StartGroup);
      for (let i = 0; i < depth; i++) w.tag(30, WireType.EndGroup);
      expectSameOutcome(lenField(new BinaryWriter(), 13, w.finish()).finish());
    }
    const outcomes = [98, 99].map((depth) => {
      const w = new BinaryWriter();
      for (let i = 0; i < depth; i++) w.tag(30, WireType.StartGroup);
      for (let i = 0; i < depth; i++) w.tag(30, WireType.EndGroup);
      return outcome(() =>
        decodeAgentResponse(lenField(new BinaryWriter(), 13, w.finish()).finish()),
      ).ok;
    });
    expect(outcomes).toEqual([true, false]);
  });

  it("agrees with fromBinary on hundreds of random mutations of valid frames", () => {
    const random = prng(20240611);
    const bases = [
      encode(hotFrame),
      toBinary(AgentResponseSchema, populate(AgentResponseSchema, { collectionSize: 2 })),
      ...populateVariants(AgentResponseSchema, { collectionSize: 1 })
        .filter((v) => v.label === "payload=feedback" || v.label === "payload=incoming_message")
        .map((v) => toBinary(AgentResponseSchema, v.message)),
    ];
    let fast = 0;
    let thrown = 0;
    for (let i = 0; i < 600; i++) {
      const base = bases[i % bases.length] as Uint8Array;
      const bytes = Array.from(base);
      const at = Math.floor(random() * bytes.length);
      const op = Math.floor(random() * 5);
      if (op === 0) bytes[at] = Math.floor(random() * 256);
      else if (op === 1) bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
      else if (op === 2) bytes.length = at;
      else if (op === 3) bytes.splice(at, 0, Math.floor(random() * 256));
      else bytes.splice(at, 1 + Math.floor(random() * 3));
      const mutated = Uint8Array.from(bytes);
      if (!expectSameOutcome(mutated).ok) thrown++;
      if (decodeAgentResponseFast(mutated) !== undefined) fast++;
    }
    expect(fast).toBeGreaterThan(50);
    expect(thrown).toBeGreaterThan(50);
  });
});

/** What a coverage says is not read as the schema declares, one sentence per field. */
function coverageProblems(coverage: readonly FastReaderCoverage[]): string[] {
  return coverage.flatMap((c) => [
    ...c.mismatches,
    ...c.unread.map(
      (f) =>
        `${c.schema.typeName}.${f.name} (field ${f.number}) is not read by the fast decoder: read it in src/session/response-decoder.ts${
          f.fieldKind === "message"
            ? ", or list it in routedToFallback to send every frame that carries it to fromBinary"
            : " (its zero value is part of every decoded message: until then every frame takes fromBinary)"
        }`,
    ),
  ]);
}

/** A proto3 message `drift.Trace` that has the fields of TraceContext and two more, numbered 16 and 17. */
function driftedTraceContext(): DescMessage {
  const string = FieldDescriptorProto_Type.STRING;
  const optional = FieldDescriptorProto_Label.OPTIONAL;
  const file = create(FileDescriptorProtoSchema, {
    name: "drift.proto",
    package: "drift",
    syntax: "proto3",
    messageType: [
      {
        name: "Trace",
        field: [
          {
            name: "traceparent",
            number: 1,
            type: string,
            label: optional,
            jsonName: "traceparent",
          },
          { name: "tracestate", number: 2, type: string, label: optional, jsonName: "tracestate" },
          { name: "baggage", number: 16, type: string, label: optional, jsonName: "baggage" },
          {
            name: "parent",
            number: 17,
            type: FieldDescriptorProto_Type.MESSAGE,
            typeName: ".drift.Trace",
            label: optional,
            jsonName: "parent",
          },
        ],
      },
    ],
  });
  const message = createFileRegistry(file, () => undefined).getMessage("drift.Trace");
  if (message === undefined) throw new Error("drift.Trace was not registered");
  return message;
}

describe("the fast reader and the schema", () => {
  it("reads every field of every message it builds, as the generated descriptors declare it", () => {
    expect(coverageProblems(fastReaderCoverage)).toEqual([]);
    expect(fastReaderMatchesSchema(fastReaderCoverage)).toBe(true);
  });

  it("builds every message type it reaches from AgentResponse", () => {
    const built = new Set(fastReaderCoverage.map((c) => c.schema.typeName));
    const reached = new Set<string>();
    const visit = (schema: DescMessage) => {
      if (reached.has(schema.typeName)) return;
      reached.add(schema.typeName);
      const c = fastReaderCoverage.find((x) => x.schema.typeName === schema.typeName);
      for (const field of schema.fields) {
        if (!c?.read.includes(field.localName)) continue;
        if (field.fieldKind === "message") visit(field.message);
        if (field.fieldKind === "list" && field.listKind === "message") visit(field.message);
      }
    };
    visit(AgentResponseSchema);
    expect([...reached].sort()).toEqual([...built].sort());
    const frame = fastReaderCoverage.find((c) => c.schema === AgentResponseSchema);
    const otherCases = AgentResponseSchema.fields
      .filter((f) => f.oneof?.localName === "payload" && f.localName !== "incomingMessage")
      .map((f) => f.localName);
    expect(frame?.readByFromBinary).toEqual(otherCases);
  });

  it("names a field a new schema adds, and leaves the fast path off until it is read", () => {
    const schema = driftedTraceContext();
    const spec = { traceparent: "string", tracestate: "string" } as const;
    const old = fieldTags(schema, spec);
    expect(coverageProblems([old.coverage])).toEqual([
      "drift.Trace: the reader builds [traceparent, tracestate], the schema declares [traceparent, tracestate, baggage]",
      "drift.Trace.baggage (field 16) is not read by the fast decoder: read it in src/session/response-decoder.ts (its zero value is part of every decoded message: until then every frame takes fromBinary)",
      "drift.Trace.parent (field 17) is not read by the fast decoder: read it in src/session/response-decoder.ts, or list it in routedToFallback to send every frame that carries it to fromBinary",
    ]);
    expect(fastReaderMatchesSchema([old.coverage])).toBe(false);

    const updated = fieldTags(
      schema,
      { ...spec, baggage: "string" },
      { routedToFallback: ["parent"] },
    );
    expect(coverageProblems([updated.coverage])).toEqual([]);
    expect(fastReaderMatchesSchema([updated.coverage])).toBe(true);
    // Field 16 needs a two-byte tag: the number and wire type come from the descriptor.
    expect(updated.tags).toEqual({ traceparent: 0x0a, tracestate: 0x12, baggage: (16 << 3) | 2 });
  });

  it("gives a field whose descriptor disagrees with the reader a tag no input has", () => {
    const schema = driftedTraceContext();
    const wrong = fieldTags(
      schema,
      { traceparent: "int32", tracestate: "string", baggage: "string", gone: "string" },
      { routedToFallback: ["parent"] },
    );
    expect(wrong.tags.traceparent).toBe(-1);
    expect(wrong.tags.gone).toBe(-1);
    expect(wrong.coverage.mismatches).toEqual([
      "drift.Trace.traceparent (field 1) is not what the reader expects (int32)",
      "drift.Trace.gone is not in the schema",
      "drift.Trace: the reader builds [traceparent, tracestate, baggage, gone], the schema declares [traceparent, tracestate, baggage]",
    ]);
    expect(fastReaderMatchesSchema([wrong.coverage])).toBe(false);
  });
});

describe("decodeAgentResponse on tags of more than one byte", () => {
  /** A length-delimited field whose tag is written as the given (overlong) varint bytes. */
  const overlong = (w: BinaryWriter, tagBytes: number[], content: Uint8Array) =>
    w.raw(new Uint8Array(tagBytes)).bytes(content);
  const text = (s: string) => new TextEncoder().encode(s);

  it("reads overlong tags at every level on the fast path, like fromBinary", () => {
    const user = overlong(new BinaryWriter(), [0x92, 0x80, 0x00], text("dana")).finish();
    const attachment = new BinaryWriter()
      .raw(new Uint8Array([0xc0, 0x00]))
      .int32(1440)
      .finish();
    const message = new BinaryWriter();
    overlong(message, [0x8a, 0x80, 0x80, 0x00], text("m-1"));
    overlong(message, [0xaa, 0x00], user);
    overlong(message, [0xba, 0x00], attachment);
    const frame = new BinaryWriter();
    overlong(frame, [0x8a, 0x00], text("conv-1"));
    overlong(frame, [0x9a, 0x00], message.finish());
    overlong(frame, [0xfa, 0x00], new BinaryWriter().tag(1, 2).string("00-1-2-01").finish());
    const bytes = frame.finish();
    expect(decodeAgentResponseFast(bytes)).toBeDefined();
    const decoded = expectSame(bytes);
    expect(decoded.conversationId).toBe("conv-1");
    expect(decoded.traceContext?.traceparent).toBe("00-1-2-01");
  });

  it("reads a payload case with an overlong tag on the fast path, like fromBinary", () => {
    const status = toBinary(StatusUpdateSchema, create(StatusUpdateSchema, { emoji: "⏳" }));
    const bytes = overlong(new BinaryWriter(), [0xa2, 0x80, 0x00], status).finish();
    expect(decodeAgentResponseFast(bytes)).toBeDefined();
    expect(expectSame(bytes).payload.case).toBe("status");
  });

  it("rejects the tags fromBinary rejects: over five bytes, or a fifth byte above 0x0f", () => {
    const tags = [
      [0x8a, 0x80, 0x80, 0x80, 0x10],
      [0x8a, 0x80, 0x80, 0x80, 0x70],
      [0x8a, 0x80, 0x80, 0x80, 0x80, 0x00],
    ];
    for (const tag of tags) {
      const bytes = overlong(new BinaryWriter(), tag, text("c")).finish();
      expect(decodeAgentResponseFast(bytes)).toBeUndefined();
      expect(expectSameOutcome(bytes)).toEqual({
        ok: false,
        error: "Error: illegal tag: varint overflows uint32",
      });
    }
    // The largest five-byte tag protobuf-es accepts: field 2^29-1, an unknown field, kept by the fallback.
    const largest = overlong(
      new BinaryWriter(),
      [0xfa, 0xff, 0xff, 0xff, 0x0f],
      text("c"),
    ).finish();
    expect(decodeAgentResponseFast(largest)).toBeUndefined();
    expect(hasUnknown(expectSame(largest))).toBe(true);
  });
});
