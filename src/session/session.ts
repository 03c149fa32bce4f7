import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AgentClient } from "../client/agent-client.js";
import type { SidecarConnection } from "../client/transport.js";
import type { Listener } from "../internal/emitter.js";
import type { ReplyAddress } from "../oneof/frames.js";
import type {
  AgentResponse,
  AgentResponseSchema as AgentResponseDesc,
  ContentChunk_ChunkType,
  ConversationRequest,
  ConversationRequestSchema,
} from "../schema/index.js";
import { ConversationSession } from "./conversation-session.js";
import {
  type AgentConfigInit,
  resolveSessionOptions,
  type SessionOptions,
} from "./session-options.js";
import type { SendOptions, SessionEvents, SessionState } from "./session-types.js";

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
 * Creates a session on a client's connection and starts connecting at once.
 * `state` is `connecting` on return; await `ready()` to know the handshake was
 * written, or listen for `state`.
 */
export function createSession(
  client: AgentClient | SidecarConnection,
  options: SessionOptions,
): Session {
  const connection = "connection" in client ? client.connection : client;
  return new ConversationSession(connection, resolveSessionOptions(options));
}
