import type {
  MailContext,
  MailDelivery,
  MailMessage,
  MailThread,
  SendReceipt,
  Seq,
} from "../client/mail-types.js";
import type { Mailbox } from "../client/mailbox-client.js";

/**
 * How tool results and the unread resource show mail: plain JSON (sequences
 * as numbers, a thread's context once per answer rather than once per
 * delivery) for `structuredContent`, and a short digest a model can read in
 * the text block (sender, thread, sequence, and the payload cut to a preview).
 */

/** A delivery sequence as a JSON number (a per-agent count; far below 2^53). */
export function seqJson(seq: Seq): number {
  return Number(seq);
}

/** A delivery without its context (the context is listed once per thread). */
export interface DeliveryJson {
  seq: number;
  threadId: string;
  message: MailMessage;
}

/** Unread deliveries with each thread's context once. */
export interface UnreadJson {
  [key: string]: unknown;
  /** How many deliveries. */
  count: number;
  /** The deliveries, oldest first. */
  deliveries: DeliveryJson[];
  /** Each thread's context, by thread id. */
  contexts: Record<string, MailContext>;
  /** Paged answers: whether more unread deliveries follow the last one. */
  hasMore?: boolean;
}

/** Deliveries as JSON, their contexts once per thread. */
export function unreadJson(deliveries: readonly MailDelivery[]): UnreadJson {
  const contexts: Record<string, MailContext> = {};
  const out = deliveries.map((d): DeliveryJson => {
    contexts[d.threadId] ??= d.context;
    return { seq: seqJson(d.seq), threadId: d.threadId, message: d.message };
  });
  return { count: out.length, deliveries: out, contexts };
}

/**
 * One page of unread deliveries, at most `limit` of them after `after`: one
 * more is asked for, so `hasMore` says whether a next page exists.
 */
export async function unreadPage(
  mailbox: Mailbox,
  options: { limit: number; after: number; recent: number; signal: AbortSignal },
): Promise<UnreadJson> {
  const { limit, ...rest } = options;
  const got = await mailbox.unread({ ...rest, limit: limit + 1 });
  const view = unreadJson(got.slice(0, limit));
  view.hasMore = got.length > limit;
  return view;
}

/** A send or reply-all receipt as JSON. */
export function receiptJson(receipt: SendReceipt): Record<string, unknown> {
  return {
    messageId: receipt.messageId,
    threadId: receipt.threadId,
    deliveredTo: receipt.deliveredTo,
    timestamp: receipt.timestamp,
    deliveries: receipt.deliveries.map((d) => ({ agentId: d.agentId, seq: seqJson(d.seq) })),
  };
}

/** A thread as a listing shows it: its people, its size and its latest message. */
export function threadListingJson(thread: MailThread): Record<string, unknown> {
  const last = thread.messages[thread.messages.length - 1];
  return {
    id: thread.id,
    participants: thread.participants,
    silentParticipants: thread.silentParticipants,
    messageCount: thread.messages.length,
    ...(last !== undefined && { lastMessage: last }),
    createdAt: thread.createdAt,
    updatedAt: thread.updatedAt,
  };
}

/** A payload as one line of at most `maxChars` characters. */
export function preview(payload: unknown, maxChars: number): string {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  return text.length > maxChars ? `${text.slice(0, maxChars)}... (cut)` : text;
}

/** One message as a digest line. */
export function messageLine(message: MailMessage, maxChars: number, seq?: number): string {
  const copy = message.cc?.length ? ` cc ${message.cc.join(", ")}` : "";
  const at = seq === undefined ? "" : `#${seq} `;
  return `- ${at}from ${message.from} to ${message.to.join(", ")}${copy} in thread ${message.threadId} (message ${message.id}): ${preview(message.payload, maxChars)}`;
}

/** A digest of unread deliveries. */
export function unreadText(view: UnreadJson, maxChars: number, what = "unread"): string {
  if (view.count === 0) return `No ${what} messages.`;
  const threads = Object.keys(view.contexts).length;
  const head = `${view.count} ${what} message${view.count === 1 ? "" : "s"} in ${threads} thread${threads === 1 ? "" : "s"}:`;
  const lines = view.deliveries.map((d) => messageLine(d.message, maxChars, d.seq));
  const last = view.deliveries[view.deliveries.length - 1];
  if (view.hasMore && last !== undefined)
    lines.push(`More unread messages follow: call again with after=${last.seq}.`);
  return [head, ...lines].join("\n");
}

/** A digest of a thread's context. */
export function contextText(threadId: string, context: MailContext, maxChars: number): string {
  const lines = [`Thread ${threadId}:`];
  if (context.threadSummary !== "")
    lines.push(`Summary of older messages: ${context.threadSummary}`);
  if (Object.keys(context.snapshot).length > 0)
    lines.push(`Latest context snapshot: ${preview(context.snapshot, maxChars)}`);
  lines.push(`${context.recentMessages.length} recent message(s):`);
  for (const m of context.recentMessages) lines.push(messageLine(m, maxChars));
  return lines.join("\n");
}
