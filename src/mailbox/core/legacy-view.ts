/**
 * The AgentMailbox HTTP JSON view of the domain: `to` is a string (the
 * existing clients send and read one direct recipient; a message with several,
 * possible through the typed service, shows them as a list), keys in the
 * order of the HTTP spec, optional lists omitted. The unread answer is encoded
 * with each distinct context serialised once (frames of a thread share it) and
 * a context's JSON kept with the context object, which the core reuses while
 * its thread is unchanged.
 *
 * @module
 */
import type { DeliveryFrame, MailContext, MailMessage, MailThread } from "./mailbox-types.js";

/** A message as the HTTP routes answer it. */
export type LegacyMessage = Omit<MailMessage, "to"> & { to: string | string[] };

/** A context as the HTTP routes answer it. */
export type LegacyContext = Omit<MailContext, "recentMessages"> & {
  recentMessages: LegacyMessage[];
};

/** A thread as the HTTP routes answer it. */
export type LegacyThread = Omit<MailThread, "messages"> & { messages: LegacyMessage[] };

/** `to` as the HTTP view has it: the lone recipient, else the list. */
function legacyTo(to: string[]): string | string[] {
  return to.length === 1 ? (to[0] as string) : to;
}

/** The head of a message (id..replyTo), shared by messages and frames. */
function head(m: MailMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id,
    threadId: m.threadId,
    from: m.from,
    to: legacyTo(m.to),
  };
  if (m.cc !== undefined) out.cc = m.cc;
  if (m.bcc !== undefined) out.bcc = m.bcc;
  if (m.replyTo !== undefined) out.replyTo = m.replyTo;
  return out;
}

/** A message in the HTTP view. */
export function legacyMessage(m: MailMessage): LegacyMessage {
  const out = head(m);
  out.payload = m.payload;
  out.contextSnapshot = m.contextSnapshot;
  out.timestamp = m.timestamp;
  return out as LegacyMessage;
}

/** A context in the HTTP view. */
export function legacyContext(c: MailContext): LegacyContext {
  const out: Record<string, unknown> = { snapshot: c.snapshot, threadSummary: c.threadSummary };
  if (c.threadSummaryStructured !== undefined)
    out.threadSummaryStructured = c.threadSummaryStructured;
  out.recentMessages = c.recentMessages.map(legacyMessage);
  out.tokenCount = c.tokenCount;
  return out as LegacyContext;
}

/** A thread in the HTTP view. */
export function legacyThread(t: MailThread): LegacyThread {
  return { ...t, messages: t.messages.map(legacyMessage) };
}

const contextBytes = new WeakMap<MailContext, Buffer>();

/** A context's HTTP JSON as UTF-8, encoded once per context object. */
export function legacyContextBytes(c: MailContext): Buffer {
  let bytes = contextBytes.get(c);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(legacyContext(c)));
    contextBytes.set(c, bytes);
  }
  return bytes;
}

const open = Buffer.from('{"messages":[');
const close = Buffer.from("]}");
const closeBrace = Buffer.from("}");
const comma = Buffer.from(",");

const frameHeads = new WeakMap<DeliveryFrame, Buffer>();

/** A frame's JSON up to its context (`{"id":…,"payload":…,"context":`), encoded once per frame object. */
function frameHeadBytes(f: DeliveryFrame): Buffer {
  let bytes = frameHeads.get(f);
  if (bytes === undefined) {
    const out = head(f.message);
    out.timestamp = f.message.timestamp;
    out.payload = f.message.payload;
    bytes = Buffer.from(`${JSON.stringify(out).slice(0, -1)},"context":`);
    frameHeads.set(f, bytes);
  }
  return bytes;
}

/**
 * The body of `GET /mailbox/:agentId/unread` (`{"messages":[ContextFrame...]}`)
 * as chunks to write in order (e.g. `res.cork()`, a write each, `res.uncork()`):
 * each frame's head and each context's bytes, encoded once per object (the
 * core reuses both while nothing changed) and never copied.
 */
export function legacyUnreadChunks(frames: readonly DeliveryFrame[]): Buffer[] {
  const chunks: Buffer[] = [open];
  frames.forEach((f, i) => {
    if (i > 0) chunks.push(comma);
    chunks.push(frameHeadBytes(f), legacyContextBytes(f.context), closeBrace);
  });
  chunks.push(close);
  return chunks;
}

/** The unread body as one string (for small answers and tests). */
export function legacyUnreadJson(frames: readonly DeliveryFrame[]): string {
  return Buffer.concat(legacyUnreadChunks(frames)).toString("utf8");
}
