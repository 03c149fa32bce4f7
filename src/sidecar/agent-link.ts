import { Code, ConnectError } from "@connectrpc/connect";
import type { AgentConfig, AgentResponse, ConversationRequest } from "../schema/index.js";
import { agentFrameEffect } from "./agent-frames.js";
import { createAsyncQueue } from "./async-queue.js";

/** What the link reports to the rest of the sidecar. */
export interface AgentLinkHooks {
  /** A reply frame from any registered stream, routed later by `conversation_id`. */
  onFrame(frame: AgentResponse): void;
  /** The active agent stream ended (half-close, error, cancel); in-flight turns must fail. */
  onActiveGone(): void;
  /** One human-readable line about stream lifecycle, for the CLI. */
  onLog?(line: string): void;
}

/** The registered agent streams and the one that receives work. */
export interface AgentLink {
  /** Whether an agent stream is registered and receiving work. */
  readonly connected: boolean;
  /** The last `agent_config` an agent sent, or undefined before any. */
  readonly config: AgentConfig | undefined;
  /** Number of open `ProcessConversation` streams (registered or not). */
  readonly streamCount: number;
  /** Queues a frame for the active stream; returns false (frame dropped) when none is registered. */
  send(frame: AgentResponse): boolean;
  /** The body of the `ProcessConversation` handler: reads agent frames, yields frames for the agent. */
  serve(
    requests: AsyncIterable<ConversationRequest>,
    signal: AbortSignal,
  ): AsyncIterable<AgentResponse>;
  /** Resolves once an agent stream is registered (at once when one is); rejects when `signal` aborts. */
  whenConnected(signal?: AbortSignal): Promise<void>;
  /** Ends every open stream with status OK (used at shutdown). */
  close(): void;
}

interface StreamState {
  readonly id: number;
  readonly queue: ReturnType<typeof createAsyncQueue<AgentResponse>>;
  registered: boolean;
}

/** Creates an {@link AgentLink}; `hooks` receive frames and the loss of the active stream. */
export function createAgentLink(hooks: AgentLinkHooks): AgentLink {
  const streams = new Set<StreamState>();
  let active: StreamState | undefined;
  let config: AgentConfig | undefined;
  let nextId = 1;
  let closing = false;
  const connectWaiters = new Set<() => void>();
  const log = (line: string) => hooks.onLog?.(line);

  function handle(stream: StreamState, request: ConversationRequest): void {
    const effect = agentFrameEffect(request, !stream.registered);
    switch (effect.kind) {
      case "register":
        stream.registered = true;
        active = stream;
        for (const wake of connectWaiters) wake();
        connectWaiters.clear();
        if (effect.config) config = effect.config;
        log(
          effect.dropped === undefined
            ? `agent stream #${stream.id} registered`
            : `agent stream #${stream.id} registered; its first frame (${effect.dropped}) was not an agent_config and was dropped`,
        );
        return;
      case "config":
        config = effect.config;
        return;
      case "reply":
        hooks.onFrame(effect.frame);
        return;
      case "ignored":
        return;
    }
  }

  async function read(stream: StreamState, requests: AsyncIterable<ConversationRequest>) {
    let outcome: ConnectError = new ConnectError("EOF", Code.Unknown);
    try {
      for await (const request of requests) handle(stream, request);
    } catch (err) {
      // e.g. RESOURCE_EXHAUSTED for a frame over the limit, or the client went away
      outcome = ConnectError.from(err);
    }
    stream.queue.close(true);
    return outcome;
  }

  function release(stream: StreamState): void {
    streams.delete(stream);
    stream.queue.close(true);
    if (active !== stream) return;
    active = undefined;
    log(`agent stream #${stream.id} ended`);
    if (!closing) hooks.onActiveGone();
  }

  async function* serve(requests: AsyncIterable<ConversationRequest>, signal: AbortSignal) {
    const stream: StreamState = { id: nextId++, queue: createAsyncQueue(), registered: false };
    streams.add(stream);
    const onAbort = () => stream.queue.close(true);
    signal.addEventListener("abort", onAbort);
    const reading = read(stream, requests);
    try {
      for (;;) {
        const next = await stream.queue.next();
        if (next.done) break;
        yield next.value;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      release(stream);
    }
    if (closing) return;
    // A deployed sidecar answers an agent's half-close with UNKNOWN "EOF" (spec item 17)
    // and a read error (an oversized frame: RESOURCE_EXHAUSTED) with that error.
    throw await reading;
  }

  return {
    get connected() {
      return active !== undefined;
    },
    get config() {
      return config;
    },
    get streamCount() {
      return streams.size;
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
    close() {
      closing = true;
      for (const stream of streams) stream.queue.close();
    },
  };
}
