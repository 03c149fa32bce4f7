/**
 * The mailbox core: the one implementation of the mailbox's semantics that the
 * HTTP routes, the typed service and push all call. It validates, decides who
 * receives what and what each reader may see; the store makes each operation
 * one transaction.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { abortedError } from "../../client/errors.js";
import type {
  AppendMessageInput,
  ComposedMessage,
  ResolvedThread,
} from "../store/mailbox-store.js";
import { buildContexts, olderLimitFor } from "./context.js";
import { createContextCache } from "./context-cache.js";
import {
  type MailboxCoreOptions,
  type ResolvedMailboxCoreOptions,
  resolveMailboxCoreOptions,
} from "./core-options.js";
import { buildHandoffPacket } from "./handoff.js";
import { invalidArgument, notFound, unavailable } from "./mailbox-errors.js";
import type {
  HandoffOptions,
  JsonObject,
  MailboxCore,
  MailContext,
  MailRole,
  ReplyAllInput,
  SendInput,
  SendResult,
} from "./mailbox-types.js";
import type { StructuredSummaryDeps } from "./summary.js";
import { hashToken, maxTokenLength, newToken } from "./tokens.js";
import {
  checkAgentId,
  checkAgentList,
  checkHandoff,
  checkId,
  checkOptionalId,
  checkPayloadSize,
  checkRecipientCount,
  checkSeq,
  checkSnapshot,
  clampLimit,
  clampOffset,
  clampRecent,
  toJsonText,
} from "./validation.js";
import { isMember, messageView, participantsView, threadView } from "./views.js";
import { createWakeHub } from "./wake-hub.js";

/** The distinct recipients of a message without the sender, to then cc then bcc, with the role each gets. */
function deliveredTo(from: string, to: string[], cc: string[], bcc: string[]) {
  const out: { agentId: string; role: MailRole }[] = [];
  const seen = new Set([from]);
  const add = (list: string[], role: MailRole) => {
    for (const a of list) {
      if (seen.has(a)) continue;
      seen.add(a);
      out.push({ agentId: a, role });
    }
  };
  add(to, "to");
  add(cc, "cc");
  add(bcc, "bcc");
  return out;
}

/** Creates the mailbox core over a store; the store is closed with it. */
export function createMailboxCore(options: MailboxCoreOptions): MailboxCore {
  const opts: ResolvedMailboxCoreOptions = resolveMailboxCoreOptions(options);
  const { store } = opts;
  const budgetChars = opts.summaryTokenBudget * 4;
  const olderLimit = olderLimitFor(budgetChars);
  const summaryDeps: StructuredSummaryDeps = {
    store,
    summarize: opts.summarize,
    threshold: opts.structuredSummaryThreshold,
    budgetChars,
    inflight: new Map(),
    provisional: new WeakSet(),
  };
  const cache = createContextCache(opts.contextCacheEntries);
  const hub = createWakeHub();
  const stopFeed = store.onDeliveries?.((ids) => hub.notify(ids));
  let closed = false;
  const pending = new Set<Promise<unknown>>();

  /** Runs an operation unless closed, and lets `close` wait for it. */
  const op = <T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (closed) return Promise.reject(unavailable(`${what}: the mailbox is closed`));
    if (signal?.aborted) return Promise.reject(abortedError(what, signal));
    let p: Promise<T>;
    try {
      p = fn();
    } catch (error) {
      return Promise.reject(error);
    }
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
    return p;
  };

  /** Stores a composed message and wakes its recipients' watchers. */
  const append = async (
    input: Omit<AppendMessageInput, "timestamp" | "messageId">,
  ): Promise<SendResult> => {
    const messageId = randomUUID();
    const timestamp = Date.now();
    let composed: ComposedMessage | undefined;
    const r = await store.appendMessage({
      ...input,
      messageId,
      timestamp,
      compose: (t) => {
        composed = input.compose(t);
        return composed;
      },
    });
    const recipients = composed?.deliveredTo.map((d) => d.agentId) ?? [];
    hub.notify(recipients);
    return {
      messageId,
      threadId: r.threadId,
      deliveredTo: recipients,
      timestamp,
      deliveries: r.deliveries,
    };
  };

  /** The stored snapshot: the given one, or a handoff packet built from the resolved thread. */
  const snapshotFor = (
    t: ResolvedThread,
    snapshot: JsonObject | undefined,
    snapshotJson: string,
    handoff: HandoffOptions | undefined,
    payloadJson: string,
  ): string => {
    if (!handoff) return snapshotJson;
    const packet = buildHandoffPacket({
      options: handoff,
      snapshot,
      latest: t.latest,
      summary: t.summary?.summary,
      threadId: t.id,
      now: Date.now(),
    });
    const json = JSON.stringify(packet);
    checkPayloadSize(payloadJson, json, opts);
    return json;
  };

  /** The contexts of threads the reader has deliveries in: cached ones, then the rest in one store call. */
  const contexts = async (
    threadIds: string[],
    reader: string,
    recent: number,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, MailContext>> => {
    const out = new Map<string, MailContext>();
    const counts = await store.messageCounts(threadIds);
    const missing: string[] = [];
    for (const id of threadIds) {
      const hit = cache.get(id, counts.get(id) ?? -1, recent, reader);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const records = await store.threadContexts(missing, recent, olderLimit);
    const built = await buildContexts(summaryDeps, records, reader, signal);
    for (const [id, ctx] of built) {
      out.set(id, ctx);
      const s = ctx.threadSummaryStructured;
      if (s === undefined || !summaryDeps.provisional.has(s))
        cache.set(id, records.get(id)!.thread.messageCount, recent, reader, ctx);
    }
    return out;
  };

  return {
    register: (agentId) =>
      op("register", async () => {
        const id = checkAgentId("agentId", agentId, opts);
        return { agentId: id, created: await store.registerAgent(id) };
      }),

    send: (input: SendInput) =>
      op("send", async () => {
        const from = checkAgentId("from", input.from, opts);
        const to = checkAgentList("to", typeof input.to === "string" ? [input.to] : input.to, opts);
        const cc = checkAgentList("cc", input.cc, opts);
        const bcc = checkAgentList("bcc", input.bcc, opts);
        const threadId = checkOptionalId("threadId", input.threadId);
        const replyTo = checkOptionalId("replyTo", input.replyTo);
        checkRecipientCount(to.length + cc.length + bcc.length, opts);
        if (to.length === 0 && (threadId === undefined || cc.length === 0))
          throw invalidArgument("to: at least one recipient is required");
        const snapshot = checkSnapshot(input.contextSnapshot);
        const handoff = checkHandoff(input.handoff);
        const payloadJson = toJsonText("payload", input.payload, "null");
        const snapshotJson = toJsonText("contextSnapshot", snapshot, "{}");
        checkPayloadSize(payloadJson, snapshotJson, opts);
        const targets = deliveredTo(from, to, cc, bcc);
        return append({
          from,
          threadId,
          visibleSet:
            threadId === undefined ? [...new Set([from, ...to, ...cc])].sort() : undefined,
          replyTo,
          payloadJson,
          wantLatest: handoff !== undefined,
          compose: (t) => {
            if (threadId !== undefined && !t.senderIsMember)
              throw notFound(`threadId: thread ${threadId} not found`);
            return {
              to,
              cc,
              bcc,
              deliveredTo: targets,
              snapshotJson: snapshotFor(t, snapshot, snapshotJson, handoff, payloadJson),
            };
          },
        });
      }),

    replyAll: (input: ReplyAllInput) =>
      op("replyAll", async () => {
        const from = checkAgentId("from", input.from, opts);
        const threadId = checkId("threadId", input.threadId);
        const snapshot = checkSnapshot(input.contextSnapshot);
        const handoff = checkHandoff(input.handoff);
        const payloadJson = toJsonText("payload", input.payload, "null");
        const snapshotJson = toJsonText("contextSnapshot", snapshot, "{}");
        checkPayloadSize(payloadJson, snapshotJson, opts);
        return append({
          from,
          threadId,
          payloadJson,
          wantLatest: handoff !== undefined,
          compose: (t) => {
            if (!t.senderIsMember) throw notFound(`threadId: thread ${threadId} not found`);
            const others = t.participants.filter((p) => p !== from);
            const [first, ...rest] = others;
            if (first === undefined)
              throw invalidArgument("threadId: the thread has no other visible participant");
            checkRecipientCount(others.length, opts);
            return {
              to: [first],
              cc: rest,
              bcc: [],
              deliveredTo: deliveredTo(from, [first], rest, []),
              snapshotJson: snapshotFor(t, snapshot, snapshotJson, handoff, payloadJson),
            };
          },
        });
      }),

    unread: (agentId, options = {}) =>
      op(
        "unread",
        async () => {
          const reader = checkAgentId("agentId", agentId, opts);
          const after =
            options.afterSeq === undefined ? 0n : checkSeq("afterSeq", options.afterSeq);
          const limit = options.limit === undefined ? 0 : Math.max(0, Math.trunc(options.limit));
          const rows = await store.unreadDeliveries(reader, after, limit);
          if (rows.length === 0) return [];
          const ids = [...new Set(rows.map((r) => r.message.threadId))];
          const ctx = await contexts(ids, reader, clampRecent(options.recent), options.signal);
          return rows.map((r) => ({
            seq: r.seq,
            message: messageView(r.message, reader),
            // Every thread of a delivery exists (threads are never deleted).
            context: ctx.get(r.message.threadId)!,
          }));
        },
        options.signal,
      ),

    markRead: (agentId, threadId, options = {}) =>
      op("markRead", async () => {
        const reader = checkAgentId("agentId", agentId, opts);
        const thread = checkId("threadId", threadId);
        const upTo =
          options.upToSeq === undefined ? undefined : checkSeq("upToSeq", options.upToSeq);
        return { upToSeq: await store.markRead(reader, thread, upTo) };
      }),

    mailbox: (agentId, options = {}) =>
      op("mailbox", async () => {
        const reader = checkAgentId("agentId", agentId, opts);
        const limit = clampLimit(options.limit);
        const offset = clampOffset(options.offset);
        const page = await store.mailboxPage(reader, limit, offset);
        return {
          threads: page.threads.map((t) => threadView(t, reader)),
          unreadCount: page.unreadCount,
          total: page.total,
          limit,
          offset,
        };
      }),

    thread: (threadId, as) =>
      op("thread", async () => {
        const id = checkId("threadId", threadId);
        const t =
          typeof as === "string" && as !== "" ? await store.threadWithMessages(id) : undefined;
        if (!t || !isMember(t, as)) throw notFound(`thread ${id} not found`);
        return threadView(t, as);
      }),

    sync: (threadId, as, options = {}) =>
      op(
        "sync",
        async () => {
          const id = checkId("threadId", threadId);
          if (typeof as !== "string" || as === "") throw notFound(`thread ${id} not found`);
          const records = await store.threadContexts([id], clampRecent(options.recent), olderLimit);
          const rec = records.get(id);
          if (!rec || !isMember(rec.thread, as)) throw notFound(`thread ${id} not found`);
          const built = await buildContexts(summaryDeps, records, as, options.signal);
          return built.get(id)!;
        },
        options.signal,
      ),

    participants: (threadId, as) =>
      op("participants", async () => {
        const id = checkId("threadId", threadId);
        const t = typeof as === "string" && as !== "" ? await store.thread(id) : undefined;
        if (!t || !isMember(t, as)) throw notFound(`thread ${id} not found`);
        return participantsView(t, as);
      }),

    deliveries: (agentId, afterSeq, limit) =>
      op("deliveries", async () => {
        const reader = checkAgentId("agentId", agentId, opts);
        const after = checkSeq("afterSeq", afterSeq);
        if (!Number.isInteger(limit) || limit < 1)
          throw invalidArgument(`limit: must be a positive integer, got ${limit}`);
        const rows = await store.deliveriesAfter(reader, after, limit);
        return rows.map((r) => ({ seq: r.seq, message: messageView(r.message, reader) }));
      }),

    latestSeq: (agentId) =>
      op("latestSeq", async () => store.latestSeq(checkAgentId("agentId", agentId, opts))),

    subscribe: (agentId, wake) => hub.subscribe(agentId, wake),

    issueToken: (agentId) =>
      op("issueToken", async () => {
        const id = checkAgentId("agentId", agentId, opts);
        const token = newToken();
        await store.setTokenHash(id, hashToken(token));
        return token;
      }),

    hasToken: (agentId) =>
      op("hasToken", async () => store.hasToken(checkAgentId("agentId", agentId, opts))),

    agentForToken: (token) =>
      op("agentForToken", async () => {
        if (typeof token !== "string" || token === "" || token.length > maxTokenLength)
          return undefined;
        return store.agentForTokenHash(hashToken(token));
      }),

    health: async () => {
      if (closed) return { ok: false, store: store.backend, detail: "closed" };
      const h = await store.health();
      return h.detail === undefined
        ? { ok: h.ok, store: store.backend }
        : { ok: h.ok, store: store.backend, detail: h.detail };
    },

    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      stopFeed?.();
      hub.clear();
      await store.close();
    },
  };
}
