/**
 * What one reader may see of stored messages and threads (BCC privacy, spec
 * semantics 4 and 8): `bcc` only in its sender's view; a silent participant
 * only to itself and to the senders that blind-copied it; optional lists
 * omitted when empty.
 *
 * @module
 */
import type {
  MemberRecord,
  StoredMessage,
  ThreadRecord,
  ThreadWithMessages,
} from "../store/mailbox-store.js";
import type {
  ContextFrame,
  DeliveryFrame,
  MailMessage,
  MailThread,
  ParticipantRole,
} from "./mailbox-types.js";

/** A message as `reader` may see it, keys in the order of the HTTP view. */
export function messageView(m: StoredMessage, reader: string): MailMessage {
  const view: MailMessage = {
    id: m.id,
    threadId: m.threadId,
    from: m.from,
    to: m.to,
  } as MailMessage;
  if (m.cc.length > 0) view.cc = m.cc;
  if (m.bcc.length > 0 && m.from === reader) view.bcc = m.bcc;
  if (m.replyTo !== undefined) view.replyTo = m.replyTo;
  view.payload = m.payload;
  view.contextSnapshot = m.contextSnapshot;
  view.timestamp = m.timestamp;
  return view;
}

/** A message as no particular reader sees it: never with bcc (for shared summaries). */
export function publicView(m: StoredMessage): MailMessage {
  return messageView(m, "");
}

/** Whether `agentId` is a member (visible or silent) of the thread. */
export function isMember(thread: ThreadRecord, agentId: string): boolean {
  return thread.members.some((m) => m.agentId === agentId);
}

/** Whether `reader` may know that `member` was blind-copied: it is the member, or blind-copied it. */
function knowsBcc(member: MemberRecord | undefined, reader: string): boolean {
  return member !== undefined && (member.agentId === reader || member.bccBy.includes(reader));
}

/** The silent participants `reader` may see, in the thread's sorted order. */
export function visibleSilent(thread: ThreadRecord, reader: string): string[] {
  if (thread.silentParticipants.length === 0) return [];
  const byId = new Map(thread.members.map((m) => [m.agentId, m]));
  return thread.silentParticipants.filter((a) => knowsBcc(byId.get(a), reader));
}

/** A thread with its messages as `reader` may see it. */
export function threadView(thread: ThreadWithMessages, reader: string): MailThread {
  return {
    id: thread.id,
    participants: thread.participants,
    silentParticipants: visibleSilent(thread, reader),
    messages: thread.messages.map((m) => messageView(m, reader)),
    createdAt: thread.createdAt,
    updatedAt: thread.updatedAt,
  };
}

/**
 * The participants `reader` may see, ordered by when they joined: everyone with
 * a visible role; a bcc-only member only for itself and its blind-copiers. A
 * member first blind-copied and visible later shows, to a reader who may not
 * know of the bcc, the time it became visible.
 */
export function participantsView(thread: ThreadRecord, reader: string): ParticipantRole[] {
  const out: { p: ParticipantRole; order: number }[] = [];
  thread.members.forEach((m, order) => {
    const knows = knowsBcc(m, reader);
    if (m.role === "bcc" && !knows) return;
    const joinedAt = knows ? m.joinedAt : (m.visibleJoinedAt ?? m.joinedAt);
    out.push({ p: { agentId: m.agentId, role: m.role, joinedAt }, order });
  });
  out.sort((a, b) => a.p.joinedAt - b.p.joinedAt || a.order - b.order);
  return out.map((x) => x.p);
}

/** The AgentMailbox HTTP view of a delivery frame (an unread `ContextFrame`). */
export function toContextFrame(frame: DeliveryFrame): ContextFrame {
  const m = frame.message;
  const out = { id: m.id, threadId: m.threadId, from: m.from, to: m.to } as ContextFrame;
  if (m.cc !== undefined) out.cc = m.cc;
  if (m.bcc !== undefined) out.bcc = m.bcc;
  if (m.replyTo !== undefined) out.replyTo = m.replyTo;
  out.timestamp = m.timestamp;
  out.payload = m.payload;
  out.context = frame.context;
  return out;
}
