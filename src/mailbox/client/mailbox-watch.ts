import { Code } from "@connectrpc/connect";
import type { WatchResponse } from "../../../gen/agentwire/mailbox/v1/service_pb.js";
import { backoffDelayMs, delay } from "../../client/backoff.js";
import { AgentwireError } from "../../client/errors.js";
import { defaultRetryableCodes, isRetryable } from "../../client/retry.js";
import { Emitter } from "../../internal/emitter.js";
import type { JsonObject, JsonValue, MailDelivery, Seq, SeqInput } from "./mail-types.js";
import { mailboxError } from "./mailbox-errors.js";
import { malformedAnswer, type ProtoConverter } from "./proto-convert.js";

/**
 * The lifecycle of a watch, as a session's: `connecting` (opening the stream;
 * it opens on the first iteration), `open` (the server answered; deliveries
 * flow), `reconnecting` (the stream broke; waiting out the backoff), `closed`
 * (final: aborted, broken out of, closed, or failed).
 */
export type WatchState = "connecting" | "open" | "reconnecting" | "closed";

/** One change of a watch's state. */
export interface WatchStateChange {
  /** The new state. */
  state: WatchState;
  /** The state before. */
  previous: WatchState;
  /** Consecutive failed streams so far (0 while healthy). */
  attempt: number;
  /** What ended the stream, on `reconnecting`, and on `closed` when the watch failed. */
  error?: AgentwireError;
  /** The wait before the next connect, on `reconnecting`, in milliseconds. */
  delayMs?: number;
}

/** A delivery whose payload the client's `validate` hook refused. */
export interface InvalidDelivery {
  /** Its delivery sequence (consumed: the watch resumes after it). */
  seq: Seq;
  /** Its thread. */
  threadId: string;
  /** The message id. */
  messageId: string;
  /** The sender. */
  from: string;
  /** Why: an AgentwireError of reason "invalid_argument" naming the message. */
  error: AgentwireError;
}

/** The events of a watch and their listener arguments. */
export interface WatchEvents {
  /** The watch's state changed. */
  state: [change: WatchStateChange];
  /** A delivery failed validation; with a listener the watch goes on, without one it throws. */
  invalid: [invalid: InvalidDelivery];
  /** A stream failed (the watch then reconnects or gives up). */
  error: [error: AgentwireError];
}

/** Options of `watch`. */
export interface WatchOptions {
  /**
   * Deliver what comes after this sequence (default 0: every delivery from the
   * first), or `"latest"`: only what commits from when the server takes the
   * watch's first stream on (the newest sequence then is fixed, and the watch
   * turns `open` only once it is, so mail sent after that is delivered). Every
   * reconnect resumes after `lastSeq`, as usual, so nothing in between is lost.
   */
  after?: SeqInput | "latest";
  /** Ends the watch: the iteration finishes without an error. */
  signal?: AbortSignal;
  /** Carry each delivery's thread context (default true). */
  context?: boolean;
  /** How many recent messages each context carries, 1 to 50 (default: the server's, 10). */
  recent?: number;
}

/**
 * A live, resumable view of this agent's deliveries: iterate it (once) with
 * `for await`. It reconnects on retryable failures and resumes after
 * `lastSeq`, so every delivery is yielded exactly once and in order.
 */
export interface MailboxWatch<P extends JsonValue = JsonValue, S extends JsonObject = JsonObject>
  extends AsyncIterable<MailDelivery<P, S>> {
  /** The current state. */
  readonly state: WatchState;
  /**
   * The last sequence consumed (yielded, or reported invalid); pass it as `after` to resume elsewhere.
   * With `after: "latest"`, 0 until the watch is `open`, then at least the newest sequence at its start.
   */
  readonly lastSeq: Seq;
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof WatchEvents>(
    event: K,
    listener: (...args: WatchEvents[K]) => void,
  ): () => void;
  /** Ends the watch, as its signal would. */
  close(): void;
}

/** What a watch needs from its client. */
export interface WatchContext<P extends JsonValue, S extends JsonObject> {
  /** Opens one Watch stream after `after` (a sequence, or the server's newest). */
  open(
    after: bigint | "latest",
    signal: AbortSignal,
    onHeader: () => void,
  ): AsyncIterable<WatchResponse>;
  /** Converts (and validates) deliveries. */
  convert: ProtoConverter<P, S>;
  /** Backoff and limits. */
  initialDelayMs: number;
  maxDelayMs: number;
  reconnectAttempts: number;
  idleTimeoutMs: number;
}

/** How one stream ended: the error, and whether it answered anything first. */
interface StreamOutcome {
  error: AgentwireError;
  healthy: boolean;
}

/** The watch: a state machine around one stream at a time. */
export class Watch<P extends JsonValue, S extends JsonObject> implements MailboxWatch<P, S> {
  state: WatchState = "connecting";
  lastSeq: Seq;
  /** With `after: "latest"`, until a stream answered the newest sequence. */
  private fromLatest: boolean;
  private attempt = 0;
  private iterated = false;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private readonly events: Emitter<WatchEvents>;

  constructor(
    private readonly ctx: WatchContext<P, S>,
    after: bigint | "latest",
    signal: AbortSignal | undefined,
  ) {
    this.fromLatest = after === "latest";
    this.lastSeq = after === "latest" ? 0n : after;
    this.signal =
      signal === undefined ? this.stop.signal : AbortSignal.any([signal, this.stop.signal]);
    // A listener that throws is a bug of the listener: it surfaces as an
    // uncaught error, as with the session, and the watch goes on.
    this.events = new Emitter<WatchEvents>((e) =>
      queueMicrotask(() => {
        throw e;
      }),
    );
  }

  on<K extends keyof WatchEvents>(
    event: K,
    listener: (...args: WatchEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  close(): void {
    this.stop.abort();
    if (!this.iterated) this.setState("closed");
  }

  [Symbol.asyncIterator](): AsyncIterator<MailDelivery<P, S>> {
    if (this.iterated) {
      throw new AgentwireError(
        "invalid_argument",
        "watch: a watch is iterated once; call watch({ after: w.lastSeq }) for another",
        Code.InvalidArgument,
      );
    }
    this.iterated = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<MailDelivery<P, S>> {
    let failed: AgentwireError | undefined;
    try {
      while (!this.signal.aborted) {
        let outcome: StreamOutcome | undefined;
        try {
          outcome = yield* this.stream();
        } catch (e) {
          // A fatal error of the stream (a refused payload, an unsupported server) closes the watch with it.
          if (e instanceof AgentwireError) failed = e;
          throw e;
        }
        if (outcome === undefined) return;
        const { error, healthy } = outcome;
        this.events.emit("error", error);
        this.attempt = healthy ? 1 : this.attempt + 1;
        const callerAborted = this.signal.aborted;
        if (!isRetryable(error, { retryableCodes: defaultRetryableCodes, callerAborted })) {
          failed = error;
          throw error;
        }
        if (this.attempt >= this.ctx.reconnectAttempts) {
          failed = new AgentwireError(
            "gave_up",
            `watch: gave up after ${this.attempt} failed attempts; last error: ${error.rawMessage}`,
            error.code,
            error,
          );
          throw failed;
        }
        const delayMs = backoffDelayMs(this.attempt, this.ctx);
        this.setState("reconnecting", { error, delayMs });
        try {
          await delay(delayMs, this.signal, "watch");
        } catch {
          return;
        }
        this.setState("connecting");
      }
    } finally {
      this.stop.abort();
      this.setState("closed", failed ? { error: failed } : {});
    }
  }

  /**
   * Runs one stream, yielding its new deliveries; returns why it ended, or
   * undefined when the watch was ended (abort, close). A payload the
   * validator refused, with no `invalid` listener, is thrown from here.
   */
  private async *stream(): AsyncGenerator<MailDelivery<P, S>, StreamOutcome | undefined> {
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.signal.addEventListener("abort", onStop, { once: true });
    let healthy = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let idleFired = false;
    const armIdle = () => {
      clearTimeout(idle);
      if (this.ctx.idleTimeoutMs <= 0) return;
      idle = setTimeout(() => {
        idleFired = true;
        abort.abort();
      }, this.ctx.idleTimeoutMs);
    };
    // Headers open the watch; only a response (a delivery or a heartbeat)
    // shows the stream was healthy, so a server that accepts and then fails
    // every stream still counts towards reconnectAttempts.
    const opened = () => {
      if (this.state === "connecting") this.setState("open");
    };
    // Thrown out of the watch, not retried: a refused payload, an unsupported server.
    let fatal: AgentwireError | undefined;
    const fromLatest = this.fromLatest;
    try {
      armIdle();
      const after = fromLatest ? "latest" : this.lastSeq;
      // From the latest, the first heartbeat (the newest sequence) opens the watch.
      const onHeader = fromLatest ? () => {} : opened;
      for await (const res of this.ctx.open(after, abort.signal, onHeader)) {
        const event = res.event;
        if (this.fromLatest) {
          if (event.case !== "heartbeat") {
            fatal = latestUnsupported();
            throw fatal;
          }
          this.fromLatest = false;
          if (event.value.latestSeq > this.lastSeq) this.lastSeq = event.value.latestSeq;
        }
        opened();
        healthy = true;
        if (event.case === "heartbeat" || event.case === undefined) {
          armIdle();
          continue;
        }
        const seq = event.value.seq;
        // The server never repeats a delivery; should one come twice (a bug, a
        // replay racing the live stream), it is still yielded only once.
        if (seq <= this.lastSeq) continue;
        const delivery = this.delivery(event);
        if (delivery instanceof AgentwireError) {
          this.lastSeq = seq;
          if (!this.events.has("invalid")) {
            fatal = delivery;
            throw delivery;
          }
          const m = event.value.message;
          this.events.emit("invalid", {
            seq,
            threadId: m?.threadId ?? "",
            messageId: m?.id ?? "",
            from: m?.sender ?? "",
            error: delivery,
          });
          armIdle();
          continue;
        }
        this.lastSeq = seq;
        this.attempt = 0;
        clearTimeout(idle);
        yield delivery;
        armIdle();
      }
      if (this.signal.aborted) return undefined;
      const error = new AgentwireError(
        "rpc_failed",
        "watch: the server ended the stream",
        Code.Unavailable,
      );
      return { error, healthy };
    } catch (e) {
      if (e === fatal) throw e;
      if (this.signal.aborted) return undefined;
      const error = idleFired
        ? new AgentwireError(
            "rpc_failed",
            `watch: nothing arrived (not even a heartbeat) for ${this.ctx.idleTimeoutMs} ms`,
            Code.DeadlineExceeded,
            e,
          )
        : mailboxError("watch", e, "rpc_failed");
      return { error, healthy };
    } finally {
      clearTimeout(idle);
      this.signal.removeEventListener("abort", onStop);
      abort.abort();
    }
  }

  /** A delivery event as a MailDelivery, or the validation error of its payload. */
  private delivery(
    event: Extract<WatchResponse["event"], { case: "delivery" | "frame" }>,
  ): MailDelivery<P, S> | AgentwireError {
    const m = event.value.message;
    if (m === undefined) {
      return malformedAnswer(`watch: delivery ${event.value.seq} has no message`);
    }
    try {
      const message = this.ctx.convert.message(m);
      const context =
        event.case === "frame"
          ? this.ctx.convert.context(event.value.context)
          : this.ctx.convert.context(undefined);
      return { seq: event.value.seq, threadId: m.threadId, message, context };
    } catch (e) {
      return AgentwireError.convert(e);
    }
  }

  private setState(state: WatchState, extra?: Partial<WatchStateChange>): void {
    if (this.state === state) return;
    const previous = this.state;
    this.state = state;
    this.events.emit("state", { state, previous, attempt: this.attempt, ...extra });
  }
}

/** The error of a server that answered a `from_latest` watch with a delivery first: it predates the field. */
function latestUnsupported(): AgentwireError {
  return new AgentwireError(
    "unsupported",
    'watch: the mailbox server does not support after: "latest" (it answered a delivery before the newest sequence); upgrade the server, or pass a sequence as after',
    Code.Unimplemented,
  );
}
