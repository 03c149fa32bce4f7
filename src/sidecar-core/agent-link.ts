/**
 * The agent side of a sidecar: the open `ProcessConversation` streams, which
 * of them are registered, and the one that receives work. Shared by the dev
 * sidecar and the testing kit's fake, so both treat agent streams as a
 * deployed sidecar does.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { AsyncQueue } from "../internal/async-queue.js";
import type { AgentConfig, AgentResponse, ConversationRequest } from "../schema/index.js";
import { agentFrameEffect } from "./agent-frames.js";

/** One open agent stream as the link reports it. */
export interface AgentStreamInfo {
  /** Counts streams from 1 in the order they opened. */
  readonly id: number;
  /** Whether its first frame arrived (any first frame registers a stream). */
  readonly registered: boolean;
}

/** What the link reports to the rest of the sidecar. */
export interface AgentLinkHooks {
  /** A reply frame from a registered stream, routed later by `conversation_id`. */
  onFrame(frame: AgentResponse): void;
  /**
   * The active agent stream ended (half-close, error, cancel) while the link
   * was open: the turns sent to it must fail. An older registered stream that
   * is still open is already active again when this is called.
   */
  onActiveGone?(): void;
  /** Any frame an agent wrote on an open stream, before it is applied. */
  onRequest?(request: ConversationRequest, stream: AgentStreamInfo): void;
  /** A stream was registered, or its config changed, or a stream ended: state worth re-checking. */
  onChange?(): void;
  /** A stream ended (also at close), after the link forgot it. */
  onStreamEnded?(stream: AgentStreamInfo): void;
  /** One human-readable line about stream lifecycle, for the CLI. */
  onLog?(line: string): void;
}

/** The registered agent streams and the one that receives work. */
export interface AgentLink {
  /** Whether an agent stream is registered and receiving work. */
  readonly connected: boolean;
  /** The id of the stream receiving work, or undefined when none is registered. */
  readonly activeStreamId: number | undefined;
  /** The last `agent_config` an agent sent, or undefined before any. */
  readonly config: AgentConfig | undefined;
  /** Number of open `ProcessConversation` streams (registered or not). */
  readonly streamCount: number;
  /** Streams registered so far (a reconnecting agent registers again). */
  readonly registrations: number;
  /** Queues a frame for the active stream; returns false (frame dropped) when none is registered. */
  send(frame: AgentResponse): boolean;
  /** The body of the `ProcessConversation` handler: reads agent frames, yields frames for the agent. */
  serve(
    requests: AsyncIterable<ConversationRequest>,
    signal: AbortSignal,
  ): AsyncIterable<AgentResponse>;
  /** Resolves once an agent stream is registered (at once when one is); rejects when `signal` aborts. */
  whenConnected(signal?: AbortSignal): Promise<void>;
  /** Ends every open stream after its queued frames with `error` (e.g. UNAVAILABLE for a lost connection). */
  disconnect(error: ConnectError): void;
  /**
   * Ends every open stream after its queued frames, with status OK or
   * `error`, and refuses new streams with UNAVAILABLE (used at shutdown).
   */
  close(error?: ConnectError): void;
}

interface StreamState extends AgentStreamInfo {
  readonly queue: AsyncQueue<AgentResponse>;
  registered: boolean;
}

/**
 * Creates an {@link AgentLink}. Rules (spec "Registration and the stream"):
 * a stream's first frame, whatever it is, registers it; the newest registered
 * stream receives work; when it ends, the newest older one still open takes
 * over; an agent's half-close is answered with UNKNOWN "EOF", a read error
 * (an oversized frame: RESOURCE_EXHAUSTED) with that error.
 */
export function createAgentLink(hooks: AgentLinkHooks): AgentLink {
  const streams = new Set<StreamState>();
  let active: StreamState | undefined;
  let config: AgentConfig | undefined;
  let nextId = 1;
  let registrations = 0;
  let closing = false;
  const connectWaiters = new Set<() => void>();
  const log = (line: string) => hooks.onLog?.(line);

  function handle(stream: StreamState, request: ConversationRequest): void {
    if (!streams.has(stream)) return; // the stream is over; late frames mean nothing
    hooks.onRequest?.(request, stream);
    const effect = agentFrameEffect(request, !stream.registered);
    switch (effect.kind) {
      case "register":
        stream.registered = true;
        registrations++;
        active = stream;
        if (effect.config) config = effect.config;
        for (const wake of connectWaiters) wake();
        connectWaiters.clear();
        log(
          effect.dropped === undefined
            ? `agent stream #${stream.id} registered`
            : `agent stream #${stream.id} registered; its first frame (${effect.dropped}) was not an agent_config and was dropped`,
        );
        break;
      case "config":
        config = effect.config;
        break;
      case "reply":
        hooks.onFrame(effect.frame);
        break;
      case "ignored":
        break;
    }
    hooks.onChange?.();
  }

  async function read(stream: StreamState, requests: AsyncIterable<ConversationRequest>) {
    let outcome = new ConnectError("EOF", Code.Unknown);
    try {
      for await (const request of requests) handle(stream, request);
    } catch (err) {
      // e.g. RESOURCE_EXHAUSTED for a frame over the limit, or the client went away
      outcome = ConnectError.from(err);
    }
    stream.queue.clear();
    stream.queue.end(outcome);
  }

  /** The newest registered stream still open, which takes over from an ended active one. */
  function newestRegistered(): StreamState | undefined {
    let newest: StreamState | undefined;
    for (const s of streams) if (s.registered && (!newest || s.id > newest.id)) newest = s;
    return newest;
  }

  function release(stream: StreamState): void {
    if (!streams.delete(stream)) return;
    stream.queue.clear();
    stream.queue.end();
    if (active === stream) {
      active = newestRegistered();
      log(
        active === undefined
          ? `agent stream #${stream.id} ended`
          : `agent stream #${stream.id} ended; agent stream #${active.id} receives work again`,
      );
      if (!closing) hooks.onActiveGone?.();
    }
    hooks.onStreamEnded?.(stream);
    hooks.onChange?.();
  }

  async function* serve(requests: AsyncIterable<ConversationRequest>, signal: AbortSignal) {
    if (closing) throw new ConnectError("the sidecar is closing", Code.Unavailable);
    const stream: StreamState = { id: nextId++, queue: new AsyncQueue(), registered: false };
    streams.add(stream);
    const onAbort = () => release(stream);
    signal.addEventListener("abort", onAbort, { once: true });
    void read(stream, requests);
    try {
      yield* stream.queue;
    } finally {
      signal.removeEventListener("abort", onAbort);
      release(stream);
    }
  }

  function endAll(error: ConnectError | undefined): void {
    for (const stream of streams) stream.queue.end(error);
  }

  return {
    get connected() {
      return active !== undefined;
    },
    get activeStreamId() {
      return active?.id;
    },
    get config() {
      return config;
    },
    get streamCount() {
      return streams.size;
    },
    get registrations() {
      return registrations;
    },
    send(frame) {
      return active ? active.queue.push(frame) : false;
    },
    serve,
    whenConnected(signal) {
      if (active) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          connectWaiters.delete(wake);
          reject(signal?.reason);
        };
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        connectWaiters.add(wake);
      });
    },
    disconnect: endAll,
    close(error) {
      closing = true;
      endAll(error);
    },
  };
}
