import { fromJson, type JsonValue as ProtoJsonValue, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type {
  Context,
  DeliveryReceipt,
  Message,
  HandoffOptions as ProtoHandoffOptions,
  ParticipantRole as ProtoParticipantRole,
  ThreadSummary as ProtoThreadSummary,
  Thread,
} from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import { Role } from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import { AgentwireError } from "../../client/errors.js";
import type {
  HandoffOptions,
  JsonObject,
  JsonValue,
  MailContext,
  MailMessage,
  MailRole,
  MailThread,
  ParticipantRole,
  SendReceipt,
  ThreadSummary,
} from "./mail-types.js";

/**
 * Checks an inbound payload and gives it its type: the client's `validate`
 * hook, or the identity. Throws an AgentwireError naming the message when the
 * hook throws.
 */
export type PayloadCheck<P> = (payload: JsonValue, message: { id: string; from: string }) => P;

/** Converts the schema's messages to the client's plain objects, checking every payload. */
export class ProtoConverter<P extends JsonValue, S extends JsonObject> {
  constructor(private readonly check: PayloadCheck<P>) {}

  /** A message, with `cc`, `bcc` and `replyTo` omitted when empty (as the HTTP view does). */
  message(m: Message): MailMessage<P, S> {
    const out: MailMessage<P, S> = {
      id: m.id,
      threadId: m.threadId,
      from: m.sender,
      to: m.to,
      payload: this.check(valueToJson(m.payload), { id: m.id, from: m.sender }),
      contextSnapshot: (m.contextSnapshot ?? {}) as S,
      timestamp: Number(m.timestampMs),
    };
    if (m.cc.length > 0) out.cc = m.cc;
    if (m.bcc.length > 0) out.bcc = m.bcc;
    if (m.replyTo !== "") out.replyTo = m.replyTo;
    return out;
  }

  /** A thread context. */
  context(c: Context | undefined): MailContext<P, S> {
    if (c === undefined) return emptyContext<P, S>();
    const out: MailContext<P, S> = {
      snapshot: (c.snapshot ?? {}) as S,
      threadSummary: c.threadSummary,
      recentMessages: c.recentMessages.map((m) => this.message(m)),
      tokenCount: c.tokenCount,
    };
    if (c.threadSummaryStructured !== undefined) {
      out.threadSummaryStructured = threadSummary(c.threadSummaryStructured);
    }
    return out;
  }

  /** A thread. */
  thread(t: Thread | undefined): MailThread<P, S> {
    if (t === undefined) throw malformedAnswer("the server answered no thread");
    return {
      id: t.id,
      participants: t.participants,
      silentParticipants: t.silentParticipants,
      messages: t.messages.map((m) => this.message(m)),
      createdAt: Number(t.createdAtMs),
      updatedAt: Number(t.updatedAtMs),
    };
  }
}

/** The error of an answer that lacks what the schema promises (never retried: DATA_LOSS). */
export function malformedAnswer(message: string): AgentwireError {
  return new AgentwireError("malformed_frame", message, Code.DataLoss);
}

/** The context of a thread with nothing in it (what `receive` answers when there is no mail). */
export function emptyContext<P extends JsonValue, S extends JsonObject>(): MailContext<P, S> {
  return { snapshot: {} as S, threadSummary: "", recentMessages: [], tokenCount: 0 };
}

/** A structured summary. */
function threadSummary(s: ProtoThreadSummary): ThreadSummary {
  return {
    text: s.text,
    decisions: s.decisions,
    openQuestions: s.openQuestions,
    artifacts: s.artifacts ?? {},
    coversMessageIds: s.coversMessageIds,
    generatedAt: Number(s.generatedAtMs),
  };
}

const roles: Record<Role, MailRole | undefined> = {
  [Role.UNSPECIFIED]: undefined,
  [Role.TO]: "to",
  [Role.CC]: "cc",
  [Role.BCC]: "bcc",
};

/** A participant. */
export function participant(p: ProtoParticipantRole): ParticipantRole {
  const role = roles[p.role];
  if (role === undefined) {
    throw malformedAnswer(`the server answered participant ${p.agentId} without a role`);
  }
  return { agentId: p.agentId, role, joinedAt: Number(p.joinedAtMs) };
}

/** The answer of a send or reply-all. */
export function sendReceipt(r: {
  messageId: string;
  threadId: string;
  deliveredTo: string[];
  timestampMs: bigint;
  deliveries: DeliveryReceipt[];
}): SendReceipt {
  return {
    messageId: r.messageId,
    threadId: r.threadId,
    deliveredTo: r.deliveredTo,
    timestamp: Number(r.timestampMs),
    deliveries: r.deliveries.map((d) => ({ agentId: d.agentId, seq: d.seq })),
  };
}

/**
 * A payload as the schema's `google.protobuf.Value`; `undefined` stays unset
 * (stored as null). Anything that is not JSON (a function, a bigint, an
 * `undefined` inside) is refused with `invalid_argument` naming the field.
 */
export function jsonToValue(what: string, payload: JsonValue | undefined): Value | undefined {
  if (payload === undefined) return undefined;
  try {
    return fromJson(ValueSchema, payload as ProtoJsonValue);
  } catch (e) {
    throw new AgentwireError(
      "invalid_argument",
      `${what}: payload is not a JSON value (${e instanceof Error ? e.message : String(e)})`,
      Code.InvalidArgument,
      e,
    );
  }
}

/** A context snapshot, checked to be a JSON object (or absent). */
export function snapshotToProto<S extends JsonObject>(
  what: string,
  snapshot: S | undefined,
): S | undefined {
  const ok =
    snapshot === undefined ||
    (typeof snapshot === "object" && snapshot !== null && !Array.isArray(snapshot));
  if (!ok) {
    throw new AgentwireError(
      "invalid_argument",
      `${what}: contextSnapshot must be a JSON object, got ${Array.isArray(snapshot) ? "an array" : String(snapshot)}`,
      Code.InvalidArgument,
    );
  }
  return snapshot;
}

/** A `google.protobuf.Value` as JSON; unset (or a Value with no kind) is null. */
export function valueToJson(value: Value | undefined): JsonValue {
  if (value === undefined || value.kind.case === undefined) return null;
  return toJson(ValueSchema, value) as JsonValue;
}

/** Handoff options in the schema's shape (empty strings and zero mean "not given"). */
export function handoffToProto(h: HandoffOptions | undefined): ProtoHandoffOptions | undefined {
  if (h === undefined) return undefined;
  return {
    $typeName: "agentwire.mailbox.v1.HandoffOptions",
    goal: h.goal ?? "",
    nextAction: h.nextAction ?? "",
    includeFields: h.includeFields ?? [],
    maxContextBytes: h.maxContextBytes ?? 0,
  };
}
