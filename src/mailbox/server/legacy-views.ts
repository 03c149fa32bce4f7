/**
 * The AgentMailbox JSON views of the core's domain objects: keys in the
 * order and shape the existing clients know (`to` one agent id when the
 * message has one direct recipient, optional lists omitted when empty).
 *
 * @module
 */
import type {
  Delivery,
  DeliveryFrame,
  MailContext,
  MailMessage,
  MailThread,
} from "../core/mailbox-types.js";

/** A message's `to` as the AgentMailbox wire has it: one id, or (only from the typed service) a list. */
function toView(to: readonly string[]): string | string[] {
  return to.length === 1 ? (to[0] as string) : [...to];
}

/** The addressing keys shared by a message and a frame, optional lists omitted. */
function addressing(m: MailMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id,
    threadId: m.threadId,
    from: m.from,
    to: toView(m.to),
  };
  if (m.cc !== undefined && m.cc.length > 0) out.cc = m.cc;
  if (m.bcc !== undefined && m.bcc.length > 0) out.bcc = m.bcc;
  if (m.replyTo !== undefined && m.replyTo !== "") out.replyTo = m.replyTo;
  return out;
}

/** `Message {id, threadId, from, to, cc?, bcc?, replyTo?, payload, contextSnapshot, timestamp}`. */
export function messageView(m: MailMessage): Record<string, unknown> {
  const out = addressing(m);
  out.payload = m.payload;
  out.contextSnapshot = m.contextSnapshot;
  out.timestamp = m.timestamp;
  return out;
}

/** `Context {snapshot, threadSummary, threadSummaryStructured?, recentMessages, tokenCount}`. */
export function contextView(c: MailContext): Record<string, unknown> {
  const out: Record<string, unknown> = { snapshot: c.snapshot, threadSummary: c.threadSummary };
  if (c.threadSummaryStructured !== undefined)
    out.threadSummaryStructured = c.threadSummaryStructured;
  out.recentMessages = c.recentMessages.map(messageView);
  out.tokenCount = c.tokenCount;
  return out;
}

/** `ContextFrame {id, threadId, from, to, cc?, bcc?, replyTo?, timestamp, payload, context}` (with the context already rendered). */
export function frameView(
  message: MailMessage,
  context: Record<string, unknown>,
): Record<string, unknown> {
  const out = addressing(message);
  out.timestamp = message.timestamp;
  out.payload = message.payload;
  out.context = context;
  return out;
}

/** The unread frames of one answer, rendering each thread's shared context once. */
export function unreadView(frames: readonly DeliveryFrame[]): Record<string, unknown>[] {
  const rendered = new Map<MailContext, Record<string, unknown>>();
  return frames.map((f) => {
    let context = rendered.get(f.context);
    if (context === undefined) {
      context = contextView(f.context);
      rendered.set(f.context, context);
    }
    return frameView(f.message, context);
  });
}

/** A push event's frame: the unread frame of the delivery plus its `seq`. */
export function pushFrameView(
  delivery: Delivery,
  context: Record<string, unknown>,
): Record<string, unknown> {
  return { seq: Number(delivery.seq), ...frameView(delivery.message, context) };
}

/** `Thread {id, participants, silentParticipants, messages, createdAt, updatedAt}`. */
export function threadView(t: MailThread): Record<string, unknown> {
  return {
    id: t.id,
    participants: t.participants,
    silentParticipants: t.silentParticipants,
    messages: t.messages.map(messageView),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
