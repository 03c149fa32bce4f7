import { create } from "@bufbuild/protobuf";
import { type AgentResponse, type TraceContext, TraceContextSchema } from "../schema/index.js";

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Tells whether `value` is a usable W3C `traceparent` header value: version
 * other than `ff`, a non-zero trace id and a non-zero parent id, so that a
 * malformed value from a platform is replaced rather than echoed.
 */
export function isValidTraceparent(value: string): boolean {
  const m = traceparentPattern.exec(value);
  if (m === null) return false;
  const [, version, traceId, parentId] = m;
  if (version === "ff") return false;
  if (version === "00" && m[5] !== undefined) return false;
  return !/^0+$/.test(traceId as string) && !/^0+$/.test(parentId as string);
}

/**
 * Creates a fresh W3C `traceparent` (version 00, random trace and parent ids,
 * sampled flag set), for turns whose incoming frame carried no trace context.
 */
export function createTraceparent(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  if (bytes.subarray(0, 16).every((b) => b === 0)) bytes[15] = 1;
  if (bytes.subarray(16).every((b) => b === 0)) bytes[23] = 1;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

/**
 * The trace context of a turn: the incoming frame's own when it carries a
 * valid `traceparent` (kept with its `tracestate`), otherwise a new one, so
 * every frame of the reply can be correlated with one trace.
 */
export function turnTraceContext(frame: AgentResponse): TraceContext {
  const incoming = frame.traceContext;
  if (incoming !== undefined && isValidTraceparent(incoming.traceparent)) {
    return create(TraceContextSchema, {
      traceparent: incoming.traceparent,
      tracestate: incoming.tracestate,
    });
  }
  return create(TraceContextSchema, { traceparent: createTraceparent() });
}
