/**
 * A specialised decoder for the frames the sidecar pushes to an agent
 * (`AgentResponse`). The hottest one, a user message
 * (`incoming_message: Message{timestamp, platform_context, user,
 * attachments, ...}`), is read by a hand-written wire reader that builds
 * each message once, with every field, in the shape `create()` gives; the
 * other payload cases are read by protobuf-es `fromBinary` on their own
 * bytes. Anything the fast reader does not expect (an unknown field, a
 * wire type that does not match, a message field that occurs twice, a
 * length past its message, invalid UTF-8, ...) makes it give up, and the
 * whole frame is decoded by `fromBinary(AgentResponseSchema, bytes)`, so
 * the result, and whether it throws, are always `fromBinary`'s. Tags are
 * read as varints; the field numbers come from the generated descriptors
 * (`decoder-fields.ts`), which also keep the reader in step with the schema.
 */
import { type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  type AgentResponse,
  AgentResponseSchema,
  type Attachment,
  AttachmentSchema,
  type Message,
  MessageSchema,
  type PlatformContext,
  PlatformContextSchema,
  type TraceContext,
  TraceContextSchema,
  type User,
  UserSchema,
} from "../schema/index.js";
import {
  type FastFieldKind,
  type FastReaderCoverage,
  type FastReaderOthers,
  fastReaderMatchesSchema,
  fieldTags,
} from "./decoder-fields.js";

/** A position past every frame the fast reader accepts: reading stops, and the frame falls back. */
const bad = 0x7fffffff;

/** The fallback's recursion limit for a payload read on its own: one level is the AgentResponse. */
const payloadReadOptions = { recursionLimit: 99 };

/** Strict UTF-8, as protobuf-es reads proto3 strings: invalid input throws instead of being replaced. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Buffer's native UTF-8 decoder (lenient: U+FFFD for invalid input); undefined outside Node. */
const utf8Slice = (
  globalThis.Buffer?.prototype as unknown as
    | { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }
    | undefined
)?.utf8Slice;

/** A payload case read by `fromBinary`: its schema and its oneof case name, by field number. */
interface PayloadMember {
  readonly schema: DescMessage;
  readonly localName: string;
}

/** The payload cases other than incoming_message, by field number; `fromBinary` reads them. */
const payloadMembers: (PayloadMember | undefined)[] = [];
for (const field of AgentResponseSchema.fields) {
  if (
    field.oneof?.localName === "payload" &&
    field.fieldKind === "message" &&
    field.localName !== "incomingMessage"
  ) {
    payloadMembers[field.number] = { schema: field.message, localName: field.localName };
  }
}

const coverage: FastReaderCoverage[] = [];

/**
 * Every message type the fast reader builds, compared with its descriptor:
 * the fields it reads, and any it does not (for the test that keeps the
 * reader in step with the schema, and for diagnostics).
 */
export const fastReaderCoverage: readonly FastReaderCoverage[] = coverage;

/** The tags of the fields the fast reader reads in `schema`, recording how it covers the schema. */
function tagsOf<const S extends Record<string, FastFieldKind>>(
  schema: DescMessage,
  spec: S,
  others?: FastReaderOthers,
): { readonly [K in keyof S]: number } {
  const { tags, coverage: covered } = fieldTags(schema, spec, others);
  coverage.push(covered);
  return tags;
}

const frameTags = tagsOf(
  AgentResponseSchema,
  {
    conversationId: "string",
    responseId: "string",
    incomingMessage: { message: MessageSchema, oneof: "payload" },
    traceContext: { message: TraceContextSchema },
  },
  { readByFromBinary: payloadMembers.flatMap((m) => (m ? [m.localName] : [])) },
);
const messageTags = tagsOf(MessageSchema, {
  id: "string",
  timestamp: { message: TimestampSchema },
  platform: "string",
  platformContext: { message: PlatformContextSchema },
  user: { message: UserSchema },
  content: "string",
  attachments: { message: AttachmentSchema, repeated: true },
  conversationId: "string",
});
const platformContextTags = tagsOf(PlatformContextSchema, {
  messageId: "string",
  channelId: "string",
  threadId: "string",
  channelName: "string",
  workspaceId: "string",
  platformData: "string map",
  botUserId: "string",
  eventKind: "enum",
  threadRootId: "string",
  userId: "string",
});
const userTags = tagsOf(UserSchema, {
  id: "string",
  username: "string",
  avatarUrl: "string",
  email: "string",
  userData: "string map",
});
const attachmentTags = tagsOf(AttachmentSchema, {
  type: "enum",
  url: "string",
  filename: "string",
  sizeBytes: "int64",
  mimeType: "string",
  title: "string",
  description: "string",
  width: "int32",
  height: "int32",
  storageKey: "string",
});
const timestampTags = tagsOf(TimestampSchema, { seconds: "int64", nanos: "int32" });
const traceContextTags = tagsOf(TraceContextSchema, {
  traceparent: "string",
  tracestate: "string",
});
/** The tags of a map<string, string> entry: its key is field 1, its value field 2, by the map encoding. */
const mapEntryKeyTag = 0x0a;
const mapEntryValueTag = 0x12;

/** False when the schema has fields the fast reader would not build: every frame then takes `fromBinary`. */
const fastReaderUsable = fastReaderMatchesSchema(coverage);

const emptyBytes = new Uint8Array(0);

/** The frame being read. */
let buf: Uint8Array = emptyBytes;
/** The read position in `buf`, or `bad` once the fast reader gave up. */
let pos = 0;

/**
 * Decodes an AgentResponse frame exactly as `fromBinary(AgentResponseSchema,
 * bytes)` does (same messages, same field values, same errors for malformed
 * input), several times faster for the incoming user message.
 */
export function decodeAgentResponse(bytes: Uint8Array): AgentResponse {
  return decodeAgentResponseFast(bytes) ?? fromBinary(AgentResponseSchema, bytes);
}

/**
 * The fast reader alone: the decoded frame, or undefined when the frame
 * needs `fromBinary` (unknown fields, a repeated message field, unusual or
 * malformed encoding). Exported so tests and diagnostics can see which frames
 * take the fast path; use {@link decodeAgentResponse} to decode.
 */
export function decodeAgentResponseFast(bytes: Uint8Array): AgentResponse | undefined {
  if (bytes.length >= bad || !fastReaderUsable) return undefined;
  buf = bytes;
  pos = 0;
  const end = bytes.length;
  let conversationId = "";
  let responseId = "";
  let traceContext: TraceContext | undefined;
  let payloadCase: string | undefined;
  let payloadValue: unknown;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case frameTags.conversationId:
        conversationId = readString(end);
        break;
      case frameTags.responseId:
        responseId = readString(end);
        break;
      case frameTags.incomingMessage: {
        if (payloadCase !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        payloadCase = "incomingMessage";
        payloadValue = readMessage(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case frameTags.traceContext: {
        if (traceContext !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        traceContext = readTraceContext(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      default: {
        const member = (tag & 7) === 2 ? payloadMembers[tag >>> 3] : undefined;
        if (member === undefined || payloadCase !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        if (stop === bad) break;
        payloadCase = member.localName;
        payloadValue = readPayload(member, buf.subarray(pos, stop));
        pos = payloadValue === undefined ? bad : stop;
      }
    }
  }
  buf = emptyBytes;
  if (pos !== end) return undefined;
  const frame: AgentResponse = {
    $typeName: "astro.messaging.v1.AgentResponse",
    conversationId,
    responseId,
    payload: (payloadCase === undefined
      ? { case: undefined }
      : { case: payloadCase, value: payloadValue }) as AgentResponse["payload"],
  };
  if (traceContext !== undefined) frame.traceContext = traceContext;
  return frame;
}

/** Reads a payload case other than incoming_message with protobuf-es; undefined if it throws. */
function readPayload(member: PayloadMember, bytes: Uint8Array): unknown {
  try {
    return fromBinary(member.schema, bytes, payloadReadOptions);
  } catch {
    return undefined;
  }
}

function readMessage(end: number): Message {
  let id = "";
  let platform = "";
  let content = "";
  let conversationId = "";
  let timestamp: Timestamp | undefined;
  let platformContext: PlatformContext | undefined;
  let user: User | undefined;
  const attachments: Attachment[] = [];
  while (pos < end) {
    switch (readTag(end)) {
      case messageTags.id:
        id = readString(end);
        break;
      case messageTags.timestamp: {
        if (timestamp !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        timestamp = readTimestamp(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case messageTags.platform:
        platform = readString(end);
        break;
      case messageTags.platformContext: {
        if (platformContext !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        platformContext = readPlatformContext(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case messageTags.user: {
        if (user !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        user = readUser(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case messageTags.content:
        content = readString(end);
        break;
      case messageTags.attachments: {
        const stop = readLength(end);
        attachments.push(readAttachment(stop));
        if (pos !== stop) pos = bad;
        break;
      }
      case messageTags.conversationId:
        conversationId = readString(end);
        break;
      default:
        pos = bad;
    }
  }
  const message: Message = {
    $typeName: "astro.messaging.v1.Message",
    id,
    platform,
    content,
    attachments,
    conversationId,
  };
  if (timestamp !== undefined) message.timestamp = timestamp;
  if (platformContext !== undefined) message.platformContext = platformContext;
  if (user !== undefined) message.user = user;
  return message;
}

function readPlatformContext(end: number): PlatformContext {
  let messageId = "";
  let channelId = "";
  let threadId = "";
  let channelName = "";
  let workspaceId = "";
  const platformData: { [key: string]: string } = {};
  let botUserId = "";
  let eventKind = 0;
  let threadRootId = "";
  let userId = "";
  while (pos < end) {
    switch (readTag(end)) {
      case platformContextTags.messageId:
        messageId = readString(end);
        break;
      case platformContextTags.channelId:
        channelId = readString(end);
        break;
      case platformContextTags.threadId:
        threadId = readString(end);
        break;
      case platformContextTags.channelName:
        channelName = readString(end);
        break;
      case platformContextTags.workspaceId:
        workspaceId = readString(end);
        break;
      case platformContextTags.platformData:
        readStringMapEntry(platformData, end);
        break;
      case platformContextTags.botUserId:
        botUserId = readString(end);
        break;
      case platformContextTags.eventKind:
        eventKind = readInt32(end);
        break;
      case platformContextTags.threadRootId:
        threadRootId = readString(end);
        break;
      case platformContextTags.userId:
        userId = readString(end);
        break;
      default:
        pos = bad;
    }
  }
  return {
    $typeName: "astro.messaging.v1.PlatformContext",
    messageId,
    channelId,
    threadId,
    channelName,
    workspaceId,
    platformData,
    botUserId,
    eventKind,
    threadRootId,
    userId,
  };
}

function readUser(end: number): User {
  let id = "";
  let username = "";
  let avatarUrl = "";
  let email = "";
  const userData: { [key: string]: string } = {};
  while (pos < end) {
    switch (readTag(end)) {
      case userTags.id:
        id = readString(end);
        break;
      case userTags.username:
        username = readString(end);
        break;
      case userTags.avatarUrl:
        avatarUrl = readString(end);
        break;
      case userTags.email:
        email = readString(end);
        break;
      case userTags.userData:
        readStringMapEntry(userData, end);
        break;
      default:
        pos = bad;
    }
  }
  return { $typeName: "astro.messaging.v1.User", id, username, avatarUrl, email, userData };
}

function readAttachment(end: number): Attachment {
  let type = 0;
  let url = "";
  let filename = "";
  let sizeBytes = 0n;
  let mimeType = "";
  let title = "";
  let description = "";
  let width = 0;
  let height = 0;
  let storageKey = "";
  while (pos < end) {
    switch (readTag(end)) {
      case attachmentTags.type:
        type = readInt32(end);
        break;
      case attachmentTags.url:
        url = readString(end);
        break;
      case attachmentTags.filename:
        filename = readString(end);
        break;
      case attachmentTags.sizeBytes:
        sizeBytes = readInt64(end);
        break;
      case attachmentTags.mimeType:
        mimeType = readString(end);
        break;
      case attachmentTags.title:
        title = readString(end);
        break;
      case attachmentTags.description:
        description = readString(end);
        break;
      case attachmentTags.width:
        width = readInt32(end);
        break;
      case attachmentTags.height:
        height = readInt32(end);
        break;
      case attachmentTags.storageKey:
        storageKey = readString(end);
        break;
      default:
        pos = bad;
    }
  }
  return {
    $typeName: "astro.messaging.v1.Attachment",
    type,
    url,
    filename,
    sizeBytes,
    mimeType,
    title,
    description,
    width,
    height,
    storageKey,
  };
}

function readTimestamp(end: number): Timestamp {
  let seconds = 0n;
  let nanos = 0;
  while (pos < end) {
    switch (readTag(end)) {
      case timestampTags.seconds:
        seconds = readInt64(end);
        break;
      case timestampTags.nanos:
        nanos = readInt32(end);
        break;
      default:
        pos = bad;
    }
  }
  return { $typeName: "google.protobuf.Timestamp", seconds, nanos };
}

function readTraceContext(end: number): TraceContext {
  let traceparent = "";
  let tracestate = "";
  while (pos < end) {
    switch (readTag(end)) {
      case traceContextTags.traceparent:
        traceparent = readString(end);
        break;
      case traceContextTags.tracestate:
        tracestate = readString(end);
        break;
      default:
        pos = bad;
    }
  }
  return { $typeName: "astro.messaging.v1.TraceContext", traceparent, tracestate };
}

/**
 * Reads one map<string, string> entry into `map`: a missing key or value is
 * "", a later key or value replaces an earlier one, like protobuf-es.
 */
function readStringMapEntry(map: { [key: string]: string }, end: number): void {
  const stop = readLength(end);
  let key = "";
  let value = "";
  while (pos < stop) {
    switch (readTag(end)) {
      case mapEntryKeyTag:
        key = readString(stop);
        break;
      case mapEntryValueTag:
        value = readString(stop);
        break;
      default:
        pos = bad;
    }
  }
  if (pos !== stop) {
    pos = bad;
  } else if (key === "__proto__") {
    Object.defineProperty(map, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    map[key] = value;
  }
}

/**
 * Reads a tag (field number and wire type), a uint32 varint; the one byte of
 * field numbers up to 15, the common case, is read inline.
 */
function readTag(end: number): number {
  const b = buf[pos] as number;
  if (b < 0x80) {
    pos++;
    return b;
  }
  return readLongTag(end);
}

/**
 * Reads a tag of two to five bytes; gives up (returns 0, sets `bad`) on a
 * longer one or a fifth byte above 0x0f, which protobuf-es rejects.
 */
function readLongTag(end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) break;
    const b = buf[pos++] as number;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (shift === 28 && b > 0x0f) break;
      return result >>> 0;
    }
  }
  pos = bad;
  return 0;
}

/**
 * Reads a varint the way protobuf-es reads a uint32 (the low 32 bits of up
 * to ten bytes), within `end`; gives up (returns 0, sets `bad`) otherwise.
 */
function readVarint32(end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) {
      pos = bad;
      return 0;
    }
    const b = buf[pos++] as number;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) return result >>> 0;
  }
  // The fifth byte put bits 28..34 in place; bits beyond 31 fell off. Up to five more bytes are ignored.
  for (let i = 5; i < 10; i++) {
    if (pos >= end) {
      pos = bad;
      return 0;
    }
    if ((buf[pos++] as number) < 0x80) return result >>> 0;
  }
  pos = bad;
  return 0;
}

/** Reads an int32 (or open enum) varint. */
function readInt32(end: number): number {
  if (pos < end) {
    const b = buf[pos] as number;
    if (b < 0x80) {
      pos++;
      return b;
    }
  }
  return readVarint32(end) | 0;
}

/** Reads an int64 varint as a bigint, like protobuf-es (the low 64 bits of up to ten bytes, signed). */
function readInt64(end: number): bigint {
  let lo = 0;
  let hi = 0;
  let b = 0;
  let shift = 0;
  for (; shift < 28; shift += 7) {
    if (pos >= end) return giveUpInt64();
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return BigInt(lo);
  }
  if (pos >= end) return giveUpInt64();
  b = buf[pos++] as number;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x70) >> 4;
  if (b >= 0x80) {
    for (shift = 3; ; shift += 7) {
      if (shift > 31 || pos >= end) return giveUpInt64();
      b = buf[pos++] as number;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function giveUpInt64(): bigint {
  pos = bad;
  return 0n;
}

/** Reads the length of a length-delimited field and returns where it ends, or `bad` if past `end`. */
function readLength(end: number): number {
  let len: number;
  if (pos < end && (buf[pos] as number) < 0x80) {
    len = buf[pos++] as number;
  } else {
    len = readVarint32(end);
  }
  const stop = pos + len;
  if (stop > end) pos = bad;
  return pos === bad ? bad : stop;
}

/**
 * Reads a string field, strictly UTF-8 like protobuf-es reads proto3 strings.
 * Buffer's native decoder replaces every invalid sequence with U+FFFD, so a
 * result without U+FFFD came from valid UTF-8 and equals the strict
 * decoder's; any other result is decoded again by the strict decoder.
 */
function readString(end: number): string {
  const stop = readLength(end);
  if (stop === bad) return "";
  const start = pos;
  pos = stop;
  if (stop === start) return "";
  if (utf8Slice === undefined) return readUtf8(start, stop);
  const text = utf8Slice.call(buf, start, stop);
  return text.indexOf("\uFFFD") === -1 ? text : readUtf8(start, stop);
}

function readUtf8(start: number, stop: number): string {
  try {
    return utf8Decoder.decode(buf.subarray(start, stop));
  } catch {
    pos = bad;
    return "";
  }
}
