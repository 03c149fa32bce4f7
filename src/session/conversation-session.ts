import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { createMethodUrl } from "@connectrpc/connect/protocol";
import { AgentwireError, abortedError, sessionClosedError } from "../client/errors.js";
import type { SidecarConnection } from "../client/transport.js";
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
import { FrameDispatch } from "./frame-dispatch.js";
import { handshakeFrames } from "./handshake.js";
import { OutboundBody } from "./outbound-body.js";
import { ReconnectLoop, type StreamOutcome } from "./reconnect-loop.js";
import type {
  AgentResponseInit,
  CloseOptions,
  ConversationRequestInit,
  SendOptions,
  Session,
  SessionEvents,
  SessionState,
  SessionStateChange,
} from "./session-interface.js";
import type {
  AgentConfigInit,
  AgentConfigSource,
  ResolvedSessionOptions,
} from "./session-options.js";
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
  /** Set once the session is abandoned: no stream may start or go on. */
  private abandoned = false;
  private readonly url: string;
  private readonly path: string;
  private readonly turns = new TurnTracker();
  private readonly inbound = new FrameDispatch(this.events, this.turns);
  private readonly loop: ReconnectLoop;
  private config: AgentConfigSource;
  private body: OutboundBody | undefined;
  private openedAt = 0;
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
    this.loop = new ReconnectLoop(
      {
        isClosing: () => this.closing(),
        runStream: () => this.runStream(),
        streamEnded: () => {
          const lost = this.turns.loseInFlight(this.queue);
          if (lost.length > 0) this.events.emit("turnsLost", lost);
        },
        failed: (error) => this.events.emit("error", error),
        reconnecting: (error, delayMs) => this.setState("reconnecting", { error, delayMs }),
        connecting: () => this.setState("connecting"),
        done: (error) => this.finish(error ?? this.closeError),
      },
      options,
    );
    options.signal?.addEventListener("abort", this.onUserAbort, { once: true });
    this.done = this.loop.run();
    if (options.signal?.aborted) this.onUserAbort();
  }

  /** Consecutive failed streams so far. */
  get attempt(): number {
    return this.loop.attempt;
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
    return this.inbound.subscribe(options?.signal, this.state === "closed", this.closeError);
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
    this.loop.wake();
  }

  private closing(): boolean {
    return this.state === "closing" || this.state === "closed";
  }

  private async runStream(): Promise<StreamOutcome> {
    const abort = new AbortController();
    this.streamAbort = abort;
    if (this.abandoned) abort.abort();
    this.openedAt = 0;
    this.inbound.gotFrame = false;
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
        await runDirectStream(
          http2,
          this.path,
          abort.signal,
          body,
          splitter,
          this.inbound.onPayload,
        );
      } else {
        const { httpClient } = this.connection;
        await runUniversalStream(
          httpClient,
          this.url,
          abort.signal,
          body,
          splitter,
          this.inbound.onPayload,
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
      this.inbound.gotFrame ||
      (this.openedAt > 0 && performance.now() - this.openedAt >= this.options.healthyAfterMs)
    );
  }

  private opened(): void {
    this.openedAt = performance.now();
    if (this.state === "connecting") this.setState("open");
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
    this.inbound.endAll(this.closeError);
    this.events.clear();
  }
}
