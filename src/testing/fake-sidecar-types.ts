import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AgentClient, AgentClientOptions } from "../client/agent-client.js";
import type { SidecarConnection } from "../client/transport.js";
import type {
  AgentConfig,
  AgentResponse,
  AgentResponseSchema,
  AudioStreamConfigSchema,
  ConversationRequest,
  MessageReactionSchema,
  MessageSchema,
  PlatformFeedbackSchema,
  RenderableAction,
} from "../schema/index.js";
import type { ListenOptions } from "./fake-options.js";
import type { FakeTurn } from "./fake-turn.js";
import type { WaitOptions } from "./waiters.js";

/** A Message, or the fields to create one from. */
export type MessageInit = MessageInitShape<typeof MessageSchema>;
/** An AgentResponse, or the fields to create one from. */
export type AgentResponseFrameInit = MessageInitShape<typeof AgentResponseSchema>;

/** Options of `FakeSidecar.sendMessage`. */
export interface SendMessageOptions {
  /** The conversation to send to (default: the message's own, else a new one). */
  conversationId?: string;
}

/** Which turn a piece of feedback is about. */
export interface FeedbackTarget {
  /** The turn's response id (default: the conversation's latest turn). */
  responseId?: string;
}

/** A user's answer to a renderable form. */
export interface RenderableAnswer extends FeedbackTarget {
  /** What the user did (submit, decline, cancel, ...). */
  action: RenderableAction;
  /** The submitted form data as JSON. */
  contentJson?: string;
  /** A free-text answer. */
  text?: string;
}

/** Options of `FakeSidecar.sendAudio`. */
export interface SendAudioOptions {
  /** The `response_id` of the audio frames (default: a new UUID). */
  responseId?: string;
  /** Also send the web chat's "[audio]" placeholder message, after the audio and with its `response_id` as id (default false). */
  placeholder?: boolean;
  /** Set `done` on the last data chunk instead of sending an empty final chunk (default false). */
  doneOnLastChunk?: boolean;
}

/** Options of `FakeSidecar.waitForAgent`. */
export interface WaitForAgentOptions extends WaitOptions {
  /** Also waits until this many registrations happened in all, e.g. 2 for a reconnect (default 1). */
  minRegistrations?: number;
}

/** Options of `FakeSidecar.waitUntil`. */
export interface WaitUntilOptions extends WaitOptions {
  /** What the condition means, for the timeout message (default "a condition"). */
  what?: string;
}

/** What `sendAudio` sent. */
export interface FakeAudioSend {
  /** The conversation of the audio. */
  conversationId: string;
  /** The `response_id` the audio frames carried. */
  responseId: string;
  /** The placeholder message's turn, when one was sent. */
  placeholder: FakeTurn | undefined;
}

/**
 * A sidecar for agent authors' tests, behaving like a deployed one (its
 * agent streams and unary RPCs are the dev sidecar's core): a stream's first
 * frame registers it, whatever it is, but only an agent_config is kept as the
 * config (any other first frame is consumed and lost); the newest registered
 * stream receives the work, and when it ends the newest older one still open
 * takes over; frames sent with no agent are refused (a real sidecar drops them). Drivers push user events to the
 * agent; observers record the agent's frames per conversation and turn.
 */
export interface FakeSidecar {
  /** The in-memory connection (created on first use): pass it to `createAgentClient({connection})`. */
  readonly connection: SidecarConnection;
  /** `127.0.0.1:PORT` once `listen()` resolved, else undefined. */
  readonly address: string | undefined;
  /** Whether an agent stream is registered and open. */
  readonly connected: boolean;
  /** The AgentConfig of the latest registration or update, undefined before the first. */
  readonly agentConfig: AgentConfig | undefined;
  /** Streams registered so far (a reconnecting agent registers again). */
  readonly registrations: number;
  /** ProcessConversation streams currently open, registered or not. */
  readonly openStreams: number;
  /** Every frame any agent stream wrote, config included, in arrival order. */
  readonly received: readonly ConversationRequest[];
  /** Every reply frame of registered streams, in arrival order (agent Messages become END chunks). */
  readonly frames: readonly AgentResponse[];
  /** Every turn `sendMessage` started, oldest first. */
  readonly turns: readonly FakeTurn[];
  /** Creates a client on a new in-memory connection (closing it leaves other clients alone). */
  client(options?: Omit<AgentClientOptions, "connection" | "address">): AgentClient;
  /** Creates another in-memory connection to this fake. */
  createConnection(): SidecarConnection;
  /** Also serves on a real HTTP/2 port (plaintext gRPC); resolves with `host:port`. */
  listen(options?: ListenOptions): Promise<string>;
  /** Resolves with the AgentConfig once an agent stream is registered (at once if one is). */
  waitForAgent(options?: WaitForAgentOptions): Promise<AgentConfig>;
  /** Delivers a user message (text or fields) and returns its turn; throws reason "no_agent" with no agent. */
  sendMessage(message: string | MessageInit, options?: SendMessageOptions): FakeTurn;
  /** Sends a user STOP (`feedback.stream_control`) for the conversation's latest turn, or `target.responseId`. */
  stop(conversationId: string, reason?: string, target?: FeedbackTarget): void;
  /** Sends a reaction to a turn's reply. */
  react(
    conversationId: string,
    reaction: MessageInitShape<typeof MessageReactionSchema>,
    target?: FeedbackTarget,
  ): void;
  /** Answers a renderable the agent sent, correlated by its id (the turn is the renderable's). */
  answerRenderable(conversationId: string, renderableId: string, answer: RenderableAnswer): void;
  /** Sends any PlatformFeedback, wrapped as the sidecar does. */
  sendFeedback(feedback: MessageInitShape<typeof PlatformFeedbackSchema>): void;
  /** Streams audio: audio_config, chunks numbered 1..n, the done chunk, then (when asked) the "[audio]" placeholder. */
  sendAudio(
    conversationId: string,
    chunks: readonly Uint8Array[],
    config?: MessageInitShape<typeof AudioStreamConfigSchema>,
    options?: SendAudioOptions,
  ): FakeAudioSend;
  /** Sends any frame as is (for cases the drivers do not cover). */
  sendFrame(frame: AgentResponseFrameInit): void;
  /** Ends every agent stream with UNAVAILABLE, as a lost connection; a healthy agent reconnects. */
  disconnect(): void;
  /** The reply frames of a conversation, in arrival order. */
  framesOf(conversationId: string): AgentResponse[];
  /** The turn with this response id, or else the latest turn of the conversation with this id. */
  turn(id: string): FakeTurn | undefined;
  /**
   * Waits until `condition` holds, re-checking it whenever the fake's state
   * changes (a frame, a registration, a stream ending) and every 10 ms, so it
   * also sees the agent's own state; `what` names it in the timeout message.
   */
  waitUntil(condition: () => boolean, options?: WaitUntilOptions): Promise<void>;
  /** Waits for a turn's END or error frame; `id` is a response id or a conversation id (its latest turn). */
  waitForTurnEnd(id: string, options?: WaitOptions): Promise<FakeTurn>;
  /** Waits for the next reply frame (arriving after this call) that matches `predicate`. */
  nextFrame(
    predicate?: (frame: AgentResponse) => boolean,
    options?: WaitOptions,
  ): Promise<AgentResponse>;
  /** Ends every stream, cancels in-memory calls, stops listening and fails pending waits. */
  close(): Promise<void>;
}
