/**
 * The typed view: the domain's messages, threads and contexts as the
 * generated `agentwire.mailbox.v1` messages, and the typed requests as core
 * inputs. Payloads travel as `google.protobuf.Value` (JSON null included),
 * snapshots as `Struct`, times as int64 epoch milliseconds; an empty string or
 * a zero in a request means "not given".
 *
 * @module
 */
import { create, fromJson, type JsonValue as PbJsonValue, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type Context,
  ContextSchema,
  type Delivery,
  DeliverySchema,
  type Message,
  MessageSchema,
  ParticipantRoleSchema,
  type HandoffOptions as PbHandoffOptions,
  type ParticipantRole as PbParticipantRole,
  type ThreadSummary as PbThreadSummary,
  Role,
  type Thread,
  ThreadSchema,
  ThreadSummarySchema,
} from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import {
  type ListMailboxResponse,
  ListMailboxResponseSchema,
  type ReplyAllRequest,
  type ReplyAllResponse,
  ReplyAllResponseSchema,
  type SendRequest,
  type SendResponse,
  SendResponseSchema,
  type UnreadResponse,
  UnreadResponseSchema,
} from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import type {
  DeliveryFrame,
  Delivery as DomainDelivery,
  HandoffOptions,
  JsonValue,
  MailboxPage,
  MailContext,
  MailMessage,
  MailRole,
  MailThread,
  ParticipantRole,
  ReplyAllInput,
  SendInput,
  SendResult,
  ThreadSummary,
} from "./mailbox-types.js";

const roles: Record<MailRole, Role> = { to: Role.TO, cc: Role.CC, bcc: Role.BCC };

/** A JSON value as a `google.protobuf.Value`. */
export function toValue(json: JsonValue): Value {
  return fromJson(ValueSchema, json as PbJsonValue);
}

/** A `google.protobuf.Value` as JSON; unset stays undefined. */
export function fromValue(value: Value | undefined): JsonValue | undefined {
  return value === undefined ? undefined : (toJson(ValueSchema, value) as JsonValue);
}

/** A message in the typed view. */
export function protoMessage(m: MailMessage): Message {
  return create(MessageSchema, {
    id: m.id,
    threadId: m.threadId,
    sender: m.from,
    to: m.to,
    cc: m.cc ?? [],
    bcc: m.bcc ?? [],
    replyTo: m.replyTo ?? "",
    payload: toValue(m.payload),
    contextSnapshot: m.contextSnapshot,
    timestampMs: BigInt(m.timestamp),
  });
}

/** A structured summary in the typed view. */
export function protoSummary(s: ThreadSummary): PbThreadSummary {
  return create(ThreadSummarySchema, {
    text: s.text,
    decisions: s.decisions,
    openQuestions: s.openQuestions,
    artifacts: s.artifacts,
    coversMessageIds: s.coversMessageIds,
    generatedAtMs: BigInt(s.generatedAt),
  });
}

const contexts = new WeakMap<MailContext, Context>();

/** A context in the typed view (made once per context object, which the core reuses; read-only). */
export function protoContext(c: MailContext): Context {
  let out = contexts.get(c);
  if (out === undefined) {
    out = makeContext(c);
    contexts.set(c, out);
  }
  return out;
}

function makeContext(c: MailContext): Context {
  return create(ContextSchema, {
    snapshot: c.snapshot,
    threadSummary: c.threadSummary,
    threadSummaryStructured:
      c.threadSummaryStructured === undefined ? undefined : protoSummary(c.threadSummaryStructured),
    recentMessages: c.recentMessages.map(protoMessage),
    tokenCount: c.tokenCount,
  });
}

/** A delivery in the typed view. */
export function protoDelivery(d: DomainDelivery): Delivery {
  return create(DeliverySchema, { seq: d.seq, message: protoMessage(d.message) });
}

const frameDeliveries = new WeakMap<DeliveryFrame, Delivery>();

/** An unread frame's delivery in the typed view, made once per frame object (the core reuses frames; read-only). */
function frameDelivery(f: DeliveryFrame): Delivery {
  let out = frameDeliveries.get(f);
  if (out === undefined) {
    out = protoDelivery(f);
    frameDeliveries.set(f, out);
  }
  return out;
}

/** The Unread answer: the deliveries, and each thread's context once, keyed by thread id. */
export function protoUnreadResponse(frames: readonly DeliveryFrame[]): UnreadResponse {
  const contexts: Record<string, Context> = {};
  for (const f of frames) {
    const id = f.message.threadId;
    if (!(id in contexts)) contexts[id] = protoContext(f.context);
  }
  return create(UnreadResponseSchema, { deliveries: frames.map(frameDelivery), contexts });
}

/** A thread in the typed view. */
export function protoThread(t: MailThread): Thread {
  return create(ThreadSchema, {
    id: t.id,
    participants: t.participants,
    silentParticipants: t.silentParticipants,
    messages: t.messages.map(protoMessage),
    createdAtMs: BigInt(t.createdAt),
    updatedAtMs: BigInt(t.updatedAt),
  });
}

/** A participant in the typed view. */
export function protoParticipant(p: ParticipantRole): PbParticipantRole {
  return create(ParticipantRoleSchema, {
    agentId: p.agentId,
    role: roles[p.role],
    joinedAtMs: BigInt(p.joinedAt),
  });
}

/** A mailbox page in the typed view. */
export function protoMailboxResponse(page: MailboxPage): ListMailboxResponse {
  return create(ListMailboxResponseSchema, {
    threads: page.threads.map(protoThread),
    unreadCount: page.unreadCount,
    total: page.total,
    limit: page.limit,
    offset: page.offset,
  });
}

function sendFields(r: SendResult) {
  return {
    messageId: r.messageId,
    threadId: r.threadId,
    deliveredTo: r.deliveredTo,
    timestampMs: BigInt(r.timestamp),
    deliveries: r.deliveries.map((d) => ({ agentId: d.agentId, seq: d.seq })),
  };
}

/** The Send answer. */
export function protoSendResponse(r: SendResult): SendResponse {
  return create(SendResponseSchema, sendFields(r));
}

/** The ReplyAll answer. */
export function protoReplyAllResponse(r: SendResult): ReplyAllResponse {
  return create(ReplyAllResponseSchema, sendFields(r));
}

/** Typed handoff options as core options (empty and zero are "not given"). */
export function handoffInput(h: PbHandoffOptions | undefined): HandoffOptions | undefined {
  if (h === undefined) return undefined;
  const out: HandoffOptions = {};
  if (h.goal !== "") out.goal = h.goal;
  if (h.nextAction !== "") out.nextAction = h.nextAction;
  if (h.includeFields.length > 0) out.includeFields = h.includeFields;
  if (h.maxContextBytes !== 0) out.maxContextBytes = h.maxContextBytes;
  return out;
}

/** A typed Send as a core send, from the (proven or claimed) sender. */
export function sendInput(req: SendRequest, from: string): SendInput {
  const input: SendInput = { from, to: req.to, cc: req.cc, bcc: req.bcc };
  if (req.threadId !== "") input.threadId = req.threadId;
  if (req.replyTo !== "") input.replyTo = req.replyTo;
  const payload = fromValue(req.payload);
  if (payload !== undefined) input.payload = payload;
  if (req.contextSnapshot !== undefined) input.contextSnapshot = req.contextSnapshot;
  const handoff = handoffInput(req.handoff);
  if (handoff !== undefined) input.handoff = handoff;
  return input;
}

/** A typed ReplyAll as a core reply-all, from the (proven or claimed) sender. */
export function replyAllInput(req: ReplyAllRequest, from: string): ReplyAllInput {
  const input: ReplyAllInput = { from, threadId: req.threadId };
  const payload = fromValue(req.payload);
  if (payload !== undefined) input.payload = payload;
  if (req.contextSnapshot !== undefined) input.contextSnapshot = req.contextSnapshot;
  const handoff = handoffInput(req.handoff);
  if (handoff !== undefined) input.handoff = handoff;
  return input;
}

/** `recent` of a typed request: 0 is "not given" (the core's default of 10). */
export function recentOption(recent: number): number | undefined {
  return recent === 0 ? undefined : recent;
}
