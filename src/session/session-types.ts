import type { AgentwireError } from "../client/errors.js";
import type {
  AgentResponse,
  AudioChunk,
  AudioStreamConfig,
  Message,
  PlatformFeedback,
} from "../schema/index.js";

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
