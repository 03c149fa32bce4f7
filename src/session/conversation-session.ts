import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { createMethodUrl } from "@connectrpc/connect/protocol";
import { backoffDelayMs } from "../client/backoff.js";
import { AgentwireError, abortedError, sessionClosedError } from "../client/errors.js";
import { isRetryable } from "../client/retry.js";
import type { SidecarConnection } from "../client/transport.js";
import { AsyncQueue } from "../internal/async-queue.js";
import { Emitter, type Listener } from "../internal/emitter.js";
import type { ReplyAddress } from "../oneof/frames.js";
import {
  AgentMessaging,
  type AgentResponse,
  ContentChunk_ChunkType,
  ConversationRequestSchema,
} from "../schema/index.js";
import { encodeContentEnvelope } from "./content-encoder.js";
import { runDirectStream } from "./direct-stream.js";
import { EnvelopeSplitter, envelopeHeaderBytes } from "./frame-codec.js";
import { handshakeFrames } from "./handshake.js";
import { OutboundBody } from "./outbound-body.js";
import { decodeAgentResponse } from "./response-decoder.js";
import type {
  AgentResponseInit,
  CloseOptions,
  ConversationRequestInit,
  Session,
} from "./session.js";
import type {
  AgentConfigInit,
  AgentConfigSource,
  ResolvedSessionOptions,
} from "./session-options.js";
import type {
  SendOptions,
  SessionEvents,
  SessionState,
  SessionStateChange,
} from "./session-types.js";
import { SignalWrites } from "./signal-writes.js";
import { TurnTracker, turnKey, turnLostError } from "./turn-tracker.js";
import { runUniversalStream } from "./universal-stream.js";
import { type QueuedWrite, WriteQueue } from "./write-queue.js";

/**
 * The Session implementation: a state machine over one conversation stream
 * at a time, re-opened with backoff, with the write queue and turn tracking.
 */
export class ConversationSession implements Session {
  state: SessionState = "connecting";
  attempt = 0;
  private readonly events = new Emitter<SessionEvents>((e) =>
    queueMicrotask(() => {
      throw e;
    }),
  );
  private readonly queue: WriteQueue;
  /** One abort listener per signal of the queued writes, not one per write. */
  private readonly signalWrites = new SignalWrites();
  /** Cancels the current stream attempt (its config provider, request and reads). */
  private streamAbort: AbortController | undefined;
  /** Ends the backoff wait early, when the session is abandoned during it. */
  private wakeBackoff: (() => void) | undefined;
  /** Set once the session is abandoned: no stream may start or go on. */
  private abandoned = false;
  private readonly url: string;
  private readonly path: string;
  // Created on first use: most sessions never lose a turn, and an idle
  // session should cost little memory.
  private subscribers: Set<AsyncQueue<AgentResponse>> | undefined;
  private readonly turns = new TurnTracker();
  private config: AgentConfigSource;
  private body: OutboundBody | undefined;
  private openedAt = 0;
  private gotFrame = false;
  private closeError: AgentwireError | undefined;
  private closePromise: Promise<void> | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly done: Promise<void>;
  private readonly onUserAbort = () => {
    const signal = this.options.signal as AbortSignal;
    this.closeError = abortedError("session", signal);
    void this.close({ mode: "abandon" });
  };

  constructor(
    private readonly connection: SidecarConnection,
    private readonly options: ResolvedSessionOptions,
  ) {
    this.queue = new WriteQueue(options.maxBufferFrames, options.maxBufferBytes);
    this.url = createMethodUrl(connection.baseUrl, AgentMessaging.method.processConversation);
    this.path = new URL(this.url).pathname;
    this.config = options.config;
    options.signal?.addEventListener("abort", this.onUserAbort, { once: true });
    this.done = this.run();
    if (options.signal?.aborted) this.onUserAbort();
  }

  get bufferedFrames(): number {
    return this.queue.length;
  }

  get bufferedBytes(): number {
    return this.queue.bytes;
  }

  on<K extends keyof SessionEvents>(event: K, listener: Listener<SessionEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof SessionEvents>(event: K, listener: Listener<SessionEvents[K]>): void {
    this.events.off(event, listener);
  }

  ready(options?: SendOptions): Promise<void> {
    if (this.state === "open") return Promise.resolve();
    if (this.state === "closing" || this.state === "closed") {
      return Promise.reject(this.closeError ?? sessionClosedError("ready"));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortedError("ready", signal));
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        off();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(abortedError("ready", signal as AbortSignal));
      };
      const off = this.events.on("state", ({ state, error }) => {
        if (state === "open") {
          cleanup();
          resolve();
        } else if (state === "closing" || state === "closed") {
          cleanup();
          reject(error ?? this.closeError ?? sessionClosedError("ready"));
        }
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  send(request: ConversationRequestInit, options?: SendOptions): Promise<void> {
    if (this.closing()) return Promise.reject(this.closeError ?? sessionClosedError("send"));
    const frame = create(ConversationRequestSchema, request);
    if (frame.request.case !== "agentResponse") {
      return this.enqueue(toBinary(ConversationRequestSchema, frame), undefined, false, options);
    }
    const r = frame.request.value;
    const key = turnKey(r.conversationId, r.responseId);
    if (this.turns.isLost(key)) return Promise.reject(turnLostError(r));
    const terminal =
      r.payload.case === "error" ||
      (r.payload.case === "content" && r.payload.value.type === ContentChunk_ChunkType.END);
    return this.enqueue(toBinary(ConversationRequestSchema, frame), key, terminal, options);
  }

  sendContent(
    address: ReplyAddress,
    type: ContentChunk_ChunkType,
    text: string,
    options?: SendOptions,
  ): Promise<void> {
    if (this.closing()) return Promise.reject(this.closeError ?? sessionClosedError("send"));
    const { conversationId, responseId, traceContext } = address;
    const key = turnKey(conversationId, responseId);
    if (this.turns.isLost(key)) return Promise.reject(turnLostError(address));
    const trace =
      traceContext === undefined
        ? undefined
        : {
            traceparent: traceContext.traceparent ?? "",
            tracestate: traceContext.tracestate ?? "",
          };
    const envelope = encodeContentEnvelope(conversationId, responseId, type, text, trace);
    const payload = envelope.subarray(envelopeHeaderBytes);
    return this.enqueue(payload, key, type === ContentChunk_ChunkType.END, options, envelope);
  }

  /**
   * The one write path: checks the frame against the frame limit and the
   * queue against its limits, then queues the encoded frame and wakes the
   * stream's body. Never drops: every refusal rejects the returned promise.
   */
  private enqueue(
    payload: Uint8Array,
    key: string | undefined,
    terminal: boolean,
    options: SendOptions | undefined,
    envelope?: Uint8Array,
  ): Promise<void> {
    const frameBytes = payload.byteLength + envelopeHeaderBytes;
    if (frameBytes > this.connection.maxFrameBytes) {
      return Promise.reject(
        new AgentwireError(
          "frame_too_large",
          `send: a frame of ${frameBytes} bytes is over the limit of ${this.connection.maxFrameBytes}; nothing was sent`,
          Code.InvalidArgument,
        ),
      );
    }
    if (!this.queue.fits(payload.byteLength)) {
      return Promise.reject(
        new AgentwireError(
          "buffer_full",
          `send: the write queue is full (${this.queue.length}/${this.queue.maxFrames} frames, ${this.queue.bytes}/${this.queue.maxBytes} bytes); the frame was not queued`,
          Code.ResourceExhausted,
        ),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortedError("send", signal));
    if (terminal && key !== undefined) this.turns.ended(key);
    return new Promise<void>((resolve, reject) => {
      const write: QueuedWrite = {
        payload,
        envelope,
        turnKey: key,
        resolve,
        reject,
        cancelled: false,
      };
      if (signal !== undefined) {
        this.signalWrites.add(signal, write, () => {
          write.cancelled = true;
          reject(abortedError("send", signal));
        });
        write.resolve = () => {
          this.signalWrites.delete(signal, write);
          resolve();
        };
        write.reject = (e) => {
          this.signalWrites.delete(signal, write);
          reject(e);
        };
      }
      this.queue.push(write);
      this.body?.wake();
    });
  }

  respond(response: AgentResponseInit, options?: SendOptions): Promise<void> {
    return this.send({ request: { case: "agentResponse", value: response } }, options);
  }

  updateConfig(config: AgentConfigInit): Promise<void> {
    if (this.state === "closing" || this.state === "closed") {
      return Promise.reject(this.closeError ?? sessionClosedError("updateConfig"));
    }
    this.config = config;
    if (this.state === "open")
      return this.send({ request: { case: "agentConfig", value: config } });
    return this.ready();
  }

  frames(options?: SendOptions): AsyncIterableIterator<AgentResponse> {
    const signal = options?.signal;
    const onAbort = () => sub.end(abortedError("frames", signal as AbortSignal));
    const sub: AsyncQueue<AgentResponse> = new AsyncQueue(() => {
      this.subscribers?.delete(sub);
      signal?.removeEventListener("abort", onAbort);
    });
    if (this.state === "closed") {
      sub.end(this.closeError);
      return sub;
    }
    this.subscribers ??= new Set();
    this.subscribers.add(sub);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    return sub;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AgentResponse> {
    return this.frames();
  }

  close(options?: CloseOptions): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    const drain = (options?.mode ?? "drain") === "drain" && this.state === "open";
    this.setState("closing");
    if (drain && this.body !== undefined) {
      this.body.wake();
      this.drainTimer = setTimeout(() => this.abandon(), this.options.drainTimeoutMs);
    } else {
      this.abandon();
    }
    this.closePromise = this.done;
    return this.closePromise;
  }

  private abandon(): void {
    this.rejectQueued(() => this.closeError ?? sessionClosedError("send"));
    this.stopRunning();
  }

  /** Cancels the current stream and the backoff wait; nothing runs afterwards. */
  private stopRunning(): void {
    this.abandoned = true;
    this.streamAbort?.abort();
    this.wakeBackoff?.();
  }

  /** Waits out a backoff delay; resolves early when the session is abandoned. */
  private backoff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = undefined;
        resolve();
      }, delayMs);
      this.wakeBackoff = () => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
    });
  }

  private closing(): boolean {
    return this.state === "closing" || this.state === "closed";
  }

  private async run(): Promise<void> {
    try {
      while (!this.closing()) {
        const { error, healthy } = await this.runStream();
        const lost = this.turns.loseInFlight(this.queue);
        if (lost.length > 0) this.events.emit("turnsLost", lost);
        if (this.closing()) break;
        const failure = error
          ? AgentwireError.convert(error)
          : new AgentwireError(
              "rpc_failed",
              "the sidecar ended the conversation stream",
              Code.Unavailable,
            );
        this.events.emit("error", failure);
        this.attempt = healthy ? 1 : this.attempt + 1;
        const retryable = isRetryable(failure, {
          retryableCodes: this.options.retryableCodes,
          callerAborted: false,
        });
        if (!retryable) return this.finish(failure);
        if (this.attempt >= this.options.maxAttempts) {
          return this.finish(
            new AgentwireError(
              "gave_up",
              `gave up after ${this.attempt} failed attempts to keep the conversation stream open; last error: ${failure.rawMessage}`,
              failure.code,
              failure,
            ),
          );
        }
        const delayMs = backoffDelayMs(this.attempt, this.options);
        this.setState("reconnecting", { error: failure, delayMs });
        await this.backoff(delayMs);
        if (this.closing()) break;
        this.setState("connecting");
      }
      this.finish(this.closeError);
    } catch (e) {
      this.finish(AgentwireError.convert(e));
    }
  }

  private async runStream(): Promise<{ error: unknown; healthy: boolean }> {
    const abort = new AbortController();
    this.streamAbort = abort;
    if (this.abandoned) abort.abort();
    this.openedAt = 0;
    this.gotFrame = false;
    let body: OutboundBody | undefined;
    try {
      const config =
        typeof this.config === "function" ? await this.config(abort.signal) : this.config;
      if (abort.signal.aborted) return { error: undefined, healthy: false };
      body = new OutboundBody(
        {
          queue: this.queue,
          maxBatchBytes: this.options.maxBatchBytes,
          draining: () => this.state === "closing",
          handshakeWritten: () => this.opened(),
        },
        handshakeFrames(config, this.options.legacyRegistration),
      );
      this.body = body;
      const splitter = new EnvelopeSplitter(this.connection.maxFrameBytes);
      const http2 = this.connection.http2;
      if (http2 !== undefined) {
        await runDirectStream(http2, this.path, abort.signal, body, splitter, this.onPayload);
      } else {
        const { httpClient } = this.connection;
        await runUniversalStream(
          httpClient,
          this.url,
          abort.signal,
          body,
          splitter,
          this.onPayload,
        );
      }
      return { error: undefined, healthy: this.healthy() };
    } catch (e) {
      return { error: e, healthy: this.healthy() };
    } finally {
      body?.finish();
      if (this.body === body) this.body = undefined;
      abort.abort();
      if (this.streamAbort === abort) this.streamAbort = undefined;
    }
  }

  private healthy(): boolean {
    return (
      this.gotFrame ||
      (this.openedAt > 0 && performance.now() - this.openedAt >= this.options.healthyAfterMs)
    );
  }

  private opened(): void {
    this.openedAt = performance.now();
    if (this.state === "connecting") this.setState("open");
  }

  private readonly onPayload = (payload: Uint8Array): void => {
    let frame: AgentResponse;
    try {
      frame = decodeAgentResponse(payload);
    } catch (e) {
      throw new AgentwireError(
        "malformed_frame",
        `the sidecar sent a frame that is not an AgentResponse: ${e instanceof Error ? e.message : String(e)}`,
        Code.Internal,
        e,
      );
    }
    this.gotFrame = true;
    this.dispatch(frame);
  };

  private dispatch(frame: AgentResponse): void {
    const payload = frame.payload;
    if (payload.case === "incomingMessage") {
      this.turns.started(frame.conversationId, frame.responseId);
    }
    this.events.emit("frame", frame);
    switch (payload.case) {
      case "incomingMessage":
        this.events.emit("message", payload.value, frame);
        break;
      case "feedback":
        this.events.emit("feedback", payload.value, frame);
        break;
      case "audioConfig":
        this.events.emit("audioConfig", payload.value, frame);
        break;
      case "audioChunk":
        this.events.emit("audioChunk", payload.value, frame);
        break;
    }
    if (this.subscribers !== undefined) for (const sub of this.subscribers) sub.push(frame);
  }

  private rejectQueued(error: () => AgentwireError): void {
    for (let w = this.queue.shift(); w !== undefined; w = this.queue.shift()) {
      if (!w.cancelled) w.reject(error());
    }
  }

  private setState(state: SessionState, extra?: Partial<SessionStateChange>): void {
    const previous = this.state;
    if (previous === state) return;
    this.state = state;
    this.events.emit("state", { state, previous, attempt: this.attempt, ...extra });
  }

  private finish(error: AgentwireError | undefined): void {
    if (this.state === "closed") return;
    if (error !== undefined) this.closeError = error;
    clearTimeout(this.drainTimer);
    this.stopRunning();
    this.rejectQueued(() => this.closeError ?? sessionClosedError("send"));
    this.options.signal?.removeEventListener("abort", this.onUserAbort);
    this.setState("closed", error ? { error } : {});
    if (this.subscribers !== undefined)
      for (const sub of this.subscribers) sub.end(this.closeError);
    this.subscribers = undefined;
    this.events.clear();
  }
}
