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
 * the result, and whether it throws, are always `fromBinary`'s.
 */
import { type DescMessage, fromBinary } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import {
  type AgentResponse,
  AgentResponseSchema,
  type Attachment,
  type Message,
  type PlatformContext,
  type TraceContext,
  type User,
} from "../schema/index.js";

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

const payloadMembers: (PayloadMember | undefined)[] = [];
for (const field of AgentResponseSchema.fields) {
  if (field.oneof !== undefined && field.fieldKind === "message" && field.number !== 3) {
    payloadMembers[field.number] = { schema: field.message, localName: field.localName };
  }
}

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
  if (bytes.length >= bad) return undefined;
  buf = bytes;
  pos = 0;
  const end = bytes.length;
  let conversationId = "";
  let responseId = "";
  let traceContext: TraceContext | undefined;
  let payloadCase: string | undefined;
  let payloadValue: unknown;
  while (pos < end) {
    const tag = buf[pos++] as number;
    switch (tag) {
      case 0x0a:
        conversationId = readString(end);
        break;
      case 0x12:
        responseId = readString(end);
        break;
      case 0x1a: {
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
      case 0x7a: {
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
    switch (buf[pos++]) {
      case 0x0a:
        id = readString(end);
        break;
      case 0x12: {
        if (timestamp !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        timestamp = readTimestamp(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case 0x1a:
        platform = readString(end);
        break;
      case 0x22: {
        if (platformContext !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        platformContext = readPlatformContext(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case 0x2a: {
        if (user !== undefined) {
          pos = bad;
          break;
        }
        const stop = readLength(end);
        user = readUser(stop);
        if (pos !== stop) pos = bad;
        break;
      }
      case 0x32:
        content = readString(end);
        break;
      case 0x3a: {
        const stop = readLength(end);
        attachments.push(readAttachment(stop));
        if (pos !== stop) pos = bad;
        break;
      }
      case 0x42:
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
    switch (buf[pos++]) {
      case 0x0a:
        messageId = readString(end);
        break;
      case 0x12:
        channelId = readString(end);
        break;
      case 0x1a:
        threadId = readString(end);
        break;
      case 0x22:
        channelName = readString(end);
        break;
      case 0x2a:
        workspaceId = readString(end);
        break;
      case 0x52:
        readStringMapEntry(platformData, end);
        break;
      case 0x62:
        botUserId = readString(end);
        break;
      case 0x68:
        eventKind = readInt32(end);
        break;
      case 0x72:
        threadRootId = readString(end);
        break;
      case 0x7a:
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
    switch (buf[pos++]) {
      case 0x0a:
        id = readString(end);
        break;
      case 0x12:
        username = readString(end);
        break;
      case 0x1a:
        avatarUrl = readString(end);
        break;
      case 0x22:
        email = readString(end);
        break;
      case 0x2a:
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
    switch (buf[pos++]) {
      case 0x08:
        type = readInt32(end);
        break;
      case 0x12:
        url = readString(end);
        break;
      case 0x1a:
        filename = readString(end);
        break;
      case 0x20:
        sizeBytes = readInt64(end);
        break;
      case 0x2a:
        mimeType = readString(end);
        break;
      case 0x32:
        title = readString(end);
        break;
      case 0x3a:
        description = readString(end);
        break;
      case 0x40:
        width = readInt32(end);
        break;
      case 0x48:
        height = readInt32(end);
        break;
      case 0x52:
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
    switch (buf[pos++]) {
      case 0x08:
        seconds = readInt64(end);
        break;
      case 0x10:
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
    switch (buf[pos++]) {
      case 0x0a:
        traceparent = readString(end);
        break;
      case 0x12:
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
    switch (buf[pos++]) {
      case 0x0a:
        key = readString(stop);
        break;
      case 0x12:
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
