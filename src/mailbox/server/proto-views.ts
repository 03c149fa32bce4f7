/**
 * The typed service's views: the core's domain objects as
 * `agentwire.mailbox.v1` messages, and the requests' JSON values and handoff
 * options back as the core's inputs (proto3 defaults mean "not given").
 *
 * @module
 */
import { fromJson, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type ContextSchema,
  type DeliverySchema,
  type HandoffOptions as HandoffOptionsMessage,
  type MessageSchema,
  type ParticipantRoleSchema,
  Role,
  type ThreadSchema,
} from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import type {
  Delivery,
  HandoffOptions,
  JsonValue,
  MailContext,
  MailMessage,
  MailRole,
  MailThread,
  ParticipantRole,
} from "../core/mailbox-types.js";

const ROLE: Record<MailRole, Role> = { to: Role.TO, cc: Role.CC, bcc: Role.BCC };

/** A JSON value as a `google.protobuf.Value`. */
export function protoValue(json: JsonValue): Value {
  return fromJson(ValueSchema, json);
}

/** A request's `google.protobuf.Value` as JSON (`null` when unset). */
export function jsonOf(value: Value | undefined): JsonValue {
  return value === undefined ? null : (toJson(ValueSchema, value) as JsonValue);
}

/** A message as the typed view has it. */
export function protoMessage(m: MailMessage): MessageInitShape<typeof MessageSchema> {
  return {
    id: m.id,
    threadId: m.threadId,
    sender: m.from,
    to: m.to,
    cc: m.cc ?? [],
    bcc: m.bcc ?? [],
    replyTo: m.replyTo ?? "",
    payload: protoValue(m.payload),
    contextSnapshot: m.contextSnapshot,
    timestampMs: BigInt(m.timestamp),
  };
}

/** A thread context as the typed view has it. */
export function protoContext(c: MailContext): MessageInitShape<typeof ContextSchema> {
  const s = c.threadSummaryStructured;
  return {
    snapshot: c.snapshot,
    threadSummary: c.threadSummary,
    ...(s !== undefined && {
      threadSummaryStructured: {
        text: s.text,
        decisions: s.decisions,
        openQuestions: s.openQuestions,
        artifacts: s.artifacts,
        coversMessageIds: s.coversMessageIds,
        generatedAtMs: BigInt(s.generatedAt),
      },
    }),
    recentMessages: c.recentMessages.map(protoMessage),
    tokenCount: c.tokenCount,
  };
}

/** A delivery as the typed view has it. */
export function protoDelivery(d: Delivery): MessageInitShape<typeof DeliverySchema> {
  return { seq: d.seq, message: protoMessage(d.message) };
}

/** A thread as the typed view has it. */
export function protoThread(t: MailThread): MessageInitShape<typeof ThreadSchema> {
  return {
    id: t.id,
    participants: t.participants,
    silentParticipants: t.silentParticipants,
    messages: t.messages.map(protoMessage),
    createdAtMs: BigInt(t.createdAt),
    updatedAtMs: BigInt(t.updatedAt),
  };
}

/** A participant as the typed view has it. */
export function protoParticipant(
  p: ParticipantRole,
): MessageInitShape<typeof ParticipantRoleSchema> {
  return { agentId: p.agentId, role: ROLE[p.role], joinedAtMs: BigInt(p.joinedAt) };
}

/** The core's handoff options from the request's (empty and 0 mean "not given"). */
export function handoffInput(h: HandoffOptionsMessage | undefined): HandoffOptions | undefined {
  if (h === undefined) return undefined;
  const out: HandoffOptions = {};
  if (h.goal !== "") out.goal = h.goal;
  if (h.nextAction !== "") out.nextAction = h.nextAction;
  if (h.includeFields.length > 0) out.includeFields = [...h.includeFields];
  if (h.maxContextBytes !== 0) out.maxContextBytes = h.maxContextBytes;
  return out;
}
