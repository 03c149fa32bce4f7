import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AgentwireError } from "../client/errors.js";
import type { Listener } from "../internal/emitter.js";
import type { ReplyAddress } from "../oneof/frames.js";
import type {
  AgentResponse,
  AgentResponseSchema as AgentResponseDesc,
  AudioChunk,
  AudioStreamConfig,
  ContentChunk_ChunkType,
  ConversationRequest,
  ConversationRequestSchema,
  Message,
  PlatformFeedback,
} from "../schema/index.js";
import type { AgentConfigInit } from "./session-options.js";

/** A ConversationRequest, or the fields to create one from. */
export type ConversationRequestInit =
  | ConversationRequest
  | MessageInitShape<typeof ConversationRequestSchema>;

/** An AgentResponse, or the fields to create one from. */
export type AgentResponseInit = AgentResponse | MessageInitShape<typeof AgentResponseDesc>;

/** Options of `Session.close`. */
export interface CloseOptions {
  /**
   * `drain` (default) hands every queued frame to the transport, half-closes
   * and waits for the sidecar to end the stream (up to `drainTimeoutMs`);
   * `abandon` rejects queued frames and cancels the stream at once. A session
   * that is not open when closed abandons: there is no stream to drain into.
   */
  mode?: "drain" | "abandon";
}

/**
 * The agent's conversation stream with its sidecar, kept open across sidecar
 * restarts: an explicit state machine, a handshake on every stream, a bounded
 * write queue, and typed inbound frames.
 */
export interface Session {
  /** The current lifecycle state. */
  readonly state: SessionState;
  /** Consecutive failed streams so far (0 while healthy). */
  readonly attempt: number;
  /** Frames queued and not yet handed to the transport. */
  readonly bufferedFrames: number;
  /** Payload bytes queued and not yet handed to the transport. */
  readonly bufferedBytes: number;
  /** Resolves when the session is open (the handshake was written); rejects if it closes first. */
  ready(options?: SendOptions): Promise<void>;
  /**
   * Writes one frame. Resolves when the frame was handed to the transport;
   * rejects with an AgentwireError when it cannot be (closed, buffer full,
   * frame too large, turn lost, aborted). Never drops a frame silently.
   */
  send(request: ConversationRequestInit, options?: SendOptions): Promise<void>;
  /** Writes one reply frame (an AgentResponse wrapped in `agent_response`). */
  respond(response: AgentResponseInit, options?: SendOptions): Promise<void>;
  /**
   * Writes one content chunk of a reply (START, DELTA, END, REPLACE): the hot
   * path of token streaming, encoded by a specialised encoder; otherwise the
   * same as `send`.
   */
  sendContent(
    address: ReplyAddress,
    type: ContentChunk_ChunkType,
    text: string,
    options?: SendOptions,
  ): Promise<void>;
  /** Replaces the AgentConfig: sent now when open, and first on every later stream. */
  updateConfig(config: AgentConfigInit): Promise<void>;
  /** The sidecar's frames as an async iterable; ends when the session closes, throwing if it failed. */
  frames(options?: SendOptions): AsyncIterableIterator<AgentResponse>;
  /** Same as `frames()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<AgentResponse>;
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof SessionEvents>(event: K, listener: Listener<SessionEvents[K]>): () => void;
  /** Removes a listener. */
  off<K extends keyof SessionEvents>(event: K, listener: Listener<SessionEvents[K]>): void;
  /** Closes the session; resolves when the stream is closed and nothing is left running. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * The lifecycle of a session: `connecting` (opening a stream and writing the
 * handshake), `open` (the handshake was written; frames flow), `reconnecting`
 * (the stream broke; waiting out the backoff), `closing` (close() was called),
 * `closed` (final).
 */
export type SessionState = "connecting" | "open" | "reconnecting" | "closing" | "closed";

/** One change of a session's state. */
export interface SessionStateChange {
  /** The new state. */
  state: SessionState;
  /** The state before. */
  previous: SessionState;
  /** Consecutive failed streams so far (0 while healthy). */
  attempt: number;
  /** What ended the stream, on `reconnecting`, and on `closed` when the session failed. */
  error?: AgentwireError;
  /** The wait before the next connect, on `reconnecting`, in milliseconds. */
  delayMs?: number;
}

/** A turn the sidecar failed because the stream it arrived on broke. */
export interface LostTurn {
  /** The conversation of the turn. */
  conversationId: string;
  /** The turn's response id (the incoming message's id). */
  responseId: string;
}

/** The events of a session and their listener arguments. */
export interface SessionEvents {
  /** The session's state changed. */
  state: [change: SessionStateChange];
  /** Any frame arrived from the sidecar. */
  frame: [frame: AgentResponse];
  /** A user message arrived (a new turn). */
  message: [message: Message, frame: AgentResponse];
  /** User feedback arrived (stop, reaction, form answer, ...). */
  feedback: [feedback: PlatformFeedback, frame: AgentResponse];
  /** An audio stream of a conversation begins. */
  audioConfig: [config: AudioStreamConfig, frame: AgentResponse];
  /** A piece of an audio stream arrived. */
  audioChunk: [chunk: AudioChunk, frame: AgentResponse];
  /** The stream broke while these turns were in flight; the sidecar failed them. */
  turnsLost: [turns: LostTurn[]];
  /**
   * A stream failed: the session reconnects, or gives up and closes. An error
   * a listener throws is not reported here: it is rethrown on its own (an
   * uncaught exception), so a bug in a handler is never taken for a stream failure.
   */
  error: [error: AgentwireError];
}

/** Options of a single write. */
export interface SendOptions {
  /** Withdraws the frame while it is still queued; the promise then rejects with reason "aborted". */
  signal?: AbortSignal;
}
