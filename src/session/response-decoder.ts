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
 * (`decoder-tags.ts`, `decoder-fields.ts`), which also keep the reader in
 * step with the schema. The wire primitives are in `wire-reader.ts`, the
 * message builders in `message-readers.ts`.
 *
 * @module
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type AgentResponse, AgentResponseSchema, type TraceContext } from "../schema/index.js";
import {
  fastReaderUsable,
  frameTags,
  type PayloadMember,
  payloadMembers,
  traceContextTags,
} from "./decoder-tags.js";
import { readMessage } from "./message-readers.js";
import {
  bad,
  finishReading,
  giveUp,
  more,
  readLength,
  readNested,
  readNestedOnce,
  readString,
  readTag,
  startReading,
  takeBytes,
} from "./wire-reader.js";

export { fastReaderCoverage } from "./decoder-tags.js";

/** The fallback's recursion limit for a payload read on its own: one level is the AgentResponse. */
const payloadReadOptions = { recursionLimit: 99 };

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
  startReading(bytes);
  const end = bytes.length;
  let conversationId = "";
  let responseId = "";
  let traceContext: TraceContext | undefined;
  let payloadCase: string | undefined;
  let payloadValue: unknown;
  while (more(end)) {
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
          giveUp();
          break;
        }
        payloadCase = "incomingMessage";
        payloadValue = readNested(end, readMessage);
        break;
      }
      case frameTags.traceContext:
        traceContext = readNestedOnce(end, traceContext, readTraceContext);
        break;
      default: {
        const member = (tag & 7) === 2 ? payloadMembers[tag >>> 3] : undefined;
        if (member === undefined || payloadCase !== undefined) {
          giveUp();
          break;
        }
        const stop = readLength(end);
        if (stop === bad) break;
        payloadCase = member.localName;
        payloadValue = readPayload(member, takeBytes(stop));
        if (payloadValue === undefined) giveUp();
      }
    }
  }
  if (!finishReading(end)) return undefined;
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

/** Reads a TraceContext up to `end`. */
function readTraceContext(end: number): TraceContext {
  let traceparent = "";
  let tracestate = "";
  while (more(end)) {
    switch (readTag(end)) {
      case traceContextTags.traceparent:
        traceparent = readString(end);
        break;
      case traceContextTags.tracestate:
        tracestate = readString(end);
        break;
      default:
        giveUp();
    }
  }
  return { $typeName: "astro.messaging.v1.TraceContext", traceparent, tracestate };
}
