/**
 * The mailbox core: the one implementation of the mailbox's semantics that the
 * HTTP routes, the typed service and push all call. It validates, decides what
 * each reader may see and builds contexts (sending is in `sending.ts`); the
 * store makes each operation one transaction.
 *
 * @module
 */
import { abortedError } from "../../client/errors.js";
import { buildContexts, olderLimitFor } from "./context.js";
import { createContextCache } from "./context-cache.js";
import {
  type MailboxCoreOptions,
  type ResolvedMailboxCoreOptions,
  resolveMailboxCoreOptions,
} from "./core-options.js";
import { invalidArgument, notFound, unavailable } from "./mailbox-errors.js";
import type {
  DeliveryFrame,
  MailboxCore,
  MailContext,
  ReplyAllInput,
  SendInput,
} from "./mailbox-types.js";
import { createSending } from "./sending.js";
import type { StructuredSummaryDeps } from "./summary.js";
import { hashToken, maxTokenLength, newToken } from "./tokens.js";
import { createUnreadCache } from "./unread-cache.js";
import {
  checkAgentId,
  checkId,
  checkSeq,
  clampLimit,
  clampOffset,
  clampRecent,
} from "./validation.js";
import { isMember, messageView, participantsView, threadView } from "./views.js";
import { createWakeHub } from "./wake-hub.js";

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
    made: new Map(),
    provisional: new WeakSet(),
  };
  const cache = createContextCache(opts.contextCacheEntries);
  const unreadCache = createUnreadCache(opts.unreadCacheBytes);
  const hub = createWakeHub();
  const stopFeed = store.onDeliveries?.((ids) => hub.notify(ids));
  const sending = createSending(store, opts, (ids) => hub.notify(ids));
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

  /** Whether a context holds a provisional summary (a summariser failed): never kept, a later answer tries again. */
  const provisional = (ctx: MailContext) => {
    const s = ctx.threadSummaryStructured;
    return s !== undefined && summaryDeps.provisional.has(s);
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
      if (!provisional(ctx))
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

    send: (input: SendInput) => op("send", () => sending.send(input)),

    replyAll: (input: ReplyAllInput) => op("replyAll", () => sending.replyAll(input)),

    unread: (agentId, options = {}) =>
      op(
        "unread",
        async () => {
          const reader = checkAgentId("agentId", agentId, opts);
          const after =
            options.afterSeq === undefined ? 0n : checkSeq("afterSeq", options.afterSeq);
          const limit = options.limit === undefined ? 0 : Math.max(0, Math.trunc(options.limit));
          const recent = clampRecent(options.recent);
          // Asked before the deliveries, so a kept answer is never older than its version.
          const key = `${reader}\u0000${after}\u0000${limit}\u0000${recent}`;
          const version = await store.unreadVersion(reader);
          const kept = unreadCache.get(key, version);
          if (kept !== undefined) return [...kept];
          const rows = await store.unreadDeliveries(reader, after, limit);
          const ids = [...new Set(rows.map((r) => r.message.threadId))];
          const ctx =
            ids.length === 0 ? new Map() : await contexts(ids, reader, recent, options.signal);
          // Frames are shared by later answers while nothing changed: read-only.
          const frames = rows.map(
            (r): DeliveryFrame =>
              Object.freeze({
                seq: r.seq,
                message: messageView(r.message, reader),
                // Every thread of a delivery exists (threads are never deleted).
                context: ctx.get(r.message.threadId)!,
              }),
          );
          if (![...ctx.values()].some(provisional)) unreadCache.set(key, version, frames);
          return [...frames];
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
