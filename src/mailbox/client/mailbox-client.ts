import { createClient } from "@connectrpc/connect";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import { assertArgument } from "../../client/errors.js";
import { runCall } from "./call-runner.js";
import { count, id, recipients, required, toSeq, watchAfter } from "./mail-arguments.js";
import type {
  JsonObject,
  JsonValue,
  MailboxPage,
  MailCallOptions,
  MailContext,
  MailDelivery,
  MailThread,
  MarkReadOptions,
  ParticipantRole,
  Received,
  ReceiveOptions,
  ReplyOptions,
  SendOptions,
  SendReceipt,
  Seq,
  SyncOptions,
  ThreadsOptions,
  UnreadOptions,
} from "./mail-types.js";
import { invalidPayloadError } from "./mailbox-errors.js";
import { type MailboxOptions, resolveMailboxOptions } from "./mailbox-options.js";
import { createMailboxConnection } from "./mailbox-transport.js";
import { type MailboxWatch, Watch, type WatchOptions } from "./mailbox-watch.js";
import {
  emptyContext,
  handoffToProto,
  jsonToValue,
  type PayloadCheck,
  ProtoConverter,
  participant,
  sendReceipt,
  snapshotToProto,
} from "./proto-convert.js";

/** What `register` answers. */
export interface Registration {
  /** The agent id. */
  agentId: string;
  /** False when the agent existed already. */
  created: boolean;
  /** Token mode, with the admin key: the agent's new token, answered only once. */
  token?: string;
}

/**
 * A typed mailbox client acting for one agent: payloads are `P`, context
 * snapshots `S`. Every method takes a signal and a timeout and throws an
 * AgentwireError (`not_found`, `forbidden`, `unauthenticated`,
 * `invalid_argument` naming the field, `too_large`, `aborted`, `timeout`,
 * or the transport's `rpc_failed`).
 */
export interface Mailbox<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject> {
  /** The agent this client acts for. */
  readonly agentId: string;
  /** The server's base URL ("in-memory" over a given transport). */
  readonly baseUrl: string;
  /** Registers this agent (sending registers every agent named, too). */
  register(options?: MailCallOptions): Promise<Registration>;
  /** Sends `payload` to `to` (one agent or several), with cc, bcc and a context snapshot; sent once, never retried. */
  send(to: string | string[], payload: P, options?: SendOptions<S>): Promise<SendReceipt>;
  /** Answers every visible participant of a thread but this agent (never its bcc recipients). */
  replyAll(threadId: string, payload: P, options?: ReplyOptions<S>): Promise<SendReceipt>;
  /** This agent's unread deliveries, oldest first, each with its thread's context. */
  unread(options?: UnreadOptions): Promise<MailDelivery<P, S>[]>;
  /** The unread deliveries (from one sender, with `from`) and the latest one's context. */
  receive(options?: ReceiveOptions): Promise<Received<P, S>>;
  /** Marks a thread read up to a sequence (default: all the server delivered by now); answers the sequence. */
  markRead(threadId: string, options?: MarkReadOptions): Promise<{ upTo: Seq }>;
  /** One page of this agent's threads, most recently updated first, with its unread count. */
  threads(options?: ThreadsOptions): Promise<MailboxPage<P, S>>;
  /** A thread this agent takes part in (not_found otherwise). */
  thread(threadId: string, options?: MailCallOptions): Promise<MailThread<P, S>>;
  /** A thread's context, as a delivery carries it. */
  sync(threadId: string, options?: SyncOptions): Promise<MailContext<P, S>>;
  /** A thread's participants with their highest roles, ordered by when they joined. */
  participants(threadId: string, options?: MailCallOptions): Promise<ParticipantRole[]>;
  /** Pushes this agent's deliveries after `after` (a sequence, or `"latest"`: only new mail) as they arrive, resuming across reconnects. */
  watch(options?: WatchOptions): MailboxWatch<P, S>;
  /** Ends the client's watches and closes its connections; calls in flight fail with reason "rpc_failed". */
  close(): void;
}

/** Creates a typed mailbox client for `options.agentId` at `options.baseUrl`. */
export function createMailbox<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject>(
  options: MailboxOptions<P>,
): Mailbox<P, S> {
  const o = resolveMailboxOptions(options);
  const connection = createMailboxConnection(o);
  const rpc = createClient(MailboxService, connection.transport);
  const agentId = o.agentId;
  const validate = o.validate;
  const check = (what: string): PayloadCheck<P> =>
    validate === undefined
      ? (payload) => payload as P
      : (payload, message) => {
          try {
            return validate(payload);
          } catch (e) {
            throw invalidPayloadError(what, message, e);
          }
        };
  const watches = new Set<Watch<P, S>>();
  const converters = new Map<string, ProtoConverter<P, S>>();
  const convert = (what: string): ProtoConverter<P, S> => {
    let c = converters.get(what);
    if (c === undefined) {
      c = new ProtoConverter<P, S>(check(what));
      converters.set(what, c);
    }
    return c;
  };
  const read = <T>(
    what: string,
    call: MailCallOptions | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ) => runCall(o, { what, idempotent: true }, call, run);
  const write = <T>(
    what: string,
    call: MailCallOptions | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ) => runCall(o, { what, idempotent: false }, call, run);

  const unread = (what: string, opts: UnreadOptions | undefined) =>
    read(what, opts, async (signal) => {
      const res = await rpc.unread(
        {
          agentId,
          recent: count(what, "recent", opts?.recent),
          afterSeq: opts?.after === undefined ? 0n : toSeq(what, "after", opts.after),
          limit: count(what, "limit", opts?.limit),
        },
        { signal },
      );
      const c = convert(what);
      const contexts = new Map<string, MailContext<P, S>>();
      return res.deliveries.map((d): MailDelivery<P, S> => {
        const message = c.message(required(d.message, what, "delivery message"));
        let context = contexts.get(message.threadId);
        if (context === undefined) {
          context = c.context(res.contexts[message.threadId]);
          contexts.set(message.threadId, context);
        }
        return { seq: d.seq, threadId: message.threadId, message, context };
      });
    });

  return {
    agentId,
    baseUrl: o.baseUrl,
    register: (opts) =>
      // Registering twice answers created: false, so a retry does no harm.
      read("register", opts, async (signal) => {
        const res = await rpc.register({ agentId }, { signal });
        const out: Registration = { agentId: res.agentId, created: res.created };
        if (res.token !== "") out.token = res.token;
        return out;
      }),
    send: (to, payload, opts) =>
      write("send", opts, async (signal) =>
        sendReceipt(
          await rpc.send(
            {
              sender: agentId,
              to: recipients("send", "to", to),
              cc: recipients("send", "cc", opts?.cc ?? []),
              bcc: recipients("send", "bcc", opts?.bcc ?? []),
              threadId: opts?.threadId ?? "",
              replyTo: opts?.replyTo ?? "",
              payload: jsonToValue("send", payload),
              contextSnapshot: snapshotToProto("send", opts?.contextSnapshot),
              handoff: handoffToProto(opts?.handoff),
            },
            { signal },
          ),
        ),
      ),
    replyAll: (threadId, payload, opts) =>
      write("replyAll", opts, async (signal) =>
        sendReceipt(
          await rpc.replyAll(
            {
              sender: agentId,
              threadId: id("replyAll", "threadId", threadId),
              payload: jsonToValue("replyAll", payload),
              contextSnapshot: snapshotToProto("replyAll", opts?.contextSnapshot),
              handoff: handoffToProto(opts?.handoff),
            },
            { signal },
          ),
        ),
      ),
    unread: (opts) => unread("unread", opts),
    async receive(opts) {
      const from = opts?.from;
      assertArgument(
        from === undefined || typeof from === "string",
        "receive: from must be an agent id",
      );
      const all = await unread("receive", opts);
      const messages = from === undefined ? all : all.filter((d) => d.message.from === from);
      const last = messages[messages.length - 1];
      return { messages, context: last === undefined ? emptyContext<P, S>() : last.context };
    },
    markRead: (threadId, opts) =>
      read("markRead", opts, async (signal) => {
        const res = await rpc.markRead(
          {
            agentId,
            threadId: id("markRead", "threadId", threadId),
            upToSeq: opts?.upTo === undefined ? undefined : toSeq("markRead", "upTo", opts.upTo),
          },
          { signal },
        );
        return { upTo: res.upToSeq };
      }),
    threads: (opts) =>
      read("threads", opts, async (signal) => {
        const res = await rpc.listMailbox(
          {
            agentId,
            limit: count("threads", "limit", opts?.limit),
            offset: count("threads", "offset", opts?.offset, 0),
          },
          { signal },
        );
        const c = convert("threads");
        return {
          threads: res.threads.map((t) => c.thread(t)),
          unreadCount: res.unreadCount,
          total: res.total,
          limit: res.limit,
          offset: res.offset,
        };
      }),
    thread: (threadId, opts) =>
      read("thread", opts, async (signal) => {
        const res = await rpc.getThread(
          { agentId, threadId: id("thread", "threadId", threadId) },
          { signal },
        );
        return convert("thread").thread(res.thread);
      }),
    sync: (threadId, opts) =>
      read("sync", opts, async (signal) => {
        const res = await rpc.syncThread(
          {
            agentId,
            threadId: id("sync", "threadId", threadId),
            recent: count("sync", "recent", opts?.recent),
          },
          { signal },
        );
        return convert("sync").context(required(res.context, "sync", "context"));
      }),
    participants: (threadId, opts) =>
      read("participants", opts, async (signal) => {
        const res = await rpc.listParticipants(
          { agentId, threadId: id("participants", "threadId", threadId) },
          { signal },
        );
        return res.participants.map(participant);
      }),
    watch(opts) {
      const after = watchAfter(opts?.after);
      const includeContext = opts?.context ?? true;
      const recent = count("watch", "recent", opts?.recent);
      const watch = new Watch<P, S>(
        {
          open: (from, signal, onHeader) =>
            rpc.watch(
              {
                agentId,
                afterSeq: from === "latest" ? 0n : from,
                fromLatest: from === "latest",
                includeContext,
                recent,
              },
              { signal, onHeader },
            ),
          convert: convert("watch"),
          initialDelayMs: o.initialDelayMs,
          maxDelayMs: o.maxDelayMs,
          reconnectAttempts: o.reconnectAttempts,
          idleTimeoutMs: o.idleTimeoutMs,
        },
        after,
        opts?.signal,
      );
      watches.add(watch);
      watch.on("state", (c) => c.state === "closed" && watches.delete(watch));
      return watch;
    },
    close() {
      // Watches end first (cleanly), so none reconnects over the closed connections.
      for (const w of [...watches]) w.close();
      connection.close();
    },
  };
}
