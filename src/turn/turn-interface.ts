import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AudioInput } from "../audio/audio-input.js";
import type {
  CardAttachmentSchema,
  ErrorResponse_ErrorCode,
  FileAttachmentSchema,
  ImageAttachmentSchema,
  LinkPreviewSchema,
  Message,
  MessageOptions,
  MessageOptionsSchema,
  RenderableAction,
  RenderableResponse,
  ResponseAttachment,
  ResponseAttachmentSchema,
  StatusUpdate_Status,
  SuggestedPrompts_PromptSchema,
  ThreadMetadataSchema,
  TraceContext,
} from "../schema/index.js";

/**
 * Why a turn was aborted: the user pressed stop, a newer message of the same
 * conversation superseded it, the stream to the sidecar broke, the session or
 * the router was closed, or code called `turn.abort()`.
 */
export type TurnAbortReason = "stop" | "superseded" | "disconnected" | "closed" | "aborted";

/** The lifecycle of a turn: `open` until exactly one of finished, failed or aborted. */
export type TurnState = "open" | "finished" | "failed" | "aborted";

/** The well-known activities a status frame can announce, as string literals. */
export type StatusKind =
  | "thinking"
  | "searching"
  | "generating"
  | "processing"
  | "analyzing"
  | "custom";

/** The ErrorResponse codes as string literals, for `fail(error, {code})`. */
export type ErrorCodeName =
  | "rate_limit"
  | "context_too_long"
  | "invalid_request"
  | "agent_error"
  | "tool_error"
  | "platform_error";

/**
 * An attachment of a reply's END frame: a ResponseAttachment (message or init
 * shape), or the shorthand `{image}`, `{file}`, `{card}` or `{link}`.
 */
export type TurnAttachment =
  | ResponseAttachment
  | MessageInitShape<typeof ResponseAttachmentSchema>
  | { readonly image: MessageInitShape<typeof ImageAttachmentSchema> }
  | { readonly file: MessageInitShape<typeof FileAttachmentSchema> }
  | { readonly card: MessageInitShape<typeof CardAttachmentSchema> }
  | { readonly link: MessageInitShape<typeof LinkPreviewSchema> };

/** A suggested prompt: its text (used as title and message), or the full prompt fields. */
export type PromptInput = string | MessageInitShape<typeof SuggestedPrompts_PromptSchema>;

/** Options of `turn.finish()`. */
export interface FinishOptions {
  /** Attachments sent on END, after those added with `attach()`. */
  readonly attachments?: readonly TurnAttachment[];
  /** Delivery options of the reply (ephemeral, silent, thread). */
  readonly options?: MessageOptions | MessageInitShape<typeof MessageOptionsSchema>;
}

/** Options of `turn.fail()`: how the ErrorResponse describes the failure. */
export interface FailOptions {
  /** The error code; derived from the error when unset (AGENT_ERROR for unknown errors). */
  readonly code?: ErrorResponse_ErrorCode | ErrorCodeName;
  /** Whether asking again may succeed; derived from the error when unset. */
  readonly retryable?: boolean;
  /** The user-visible message; the error's message when unset. */
  readonly message?: string;
  /** More detail for logs and developers. */
  readonly details?: string;
}

/** The actions of a renderable as string literals. */
export type RenderActionName = "submit" | "decline" | "cancel" | "respond" | "unsupported";

/** A form to show the user: a JSON Schema of an object, and what the user may do with it. */
export interface RenderRequest {
  /** The JSON Schema of the answer; must be `{type: "object", properties: {...}}`. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** The text shown with the form. */
  readonly message?: string;
  /** Initial values of the form, sent as `value_json`. */
  readonly value?: unknown;
  /** What the user may do; must include cancel or decline (default submit and cancel). */
  readonly allowedActions?: ReadonlyArray<RenderableAction | RenderActionName>;
  /** A free-form tag telling the platform what the form is for. */
  readonly intent?: string;
  /** The renderable id that correlates the answer; a random UUID when unset. */
  readonly id?: string;
  /** Stops waiting for the answer; the promise then rejects with reason "aborted". */
  readonly signal?: AbortSignal;
}

/** The user's answer to a renderable, with `content_json` parsed. */
export interface RenderResult {
  /** The renderable id the answer belongs to. */
  readonly id: string;
  /** What the user did (never "unsupported": that rejects). */
  readonly action: Exclude<RenderActionName, "unsupported"> | "unspecified";
  /** The submitted values parsed from `content_json`; undefined when it was empty. */
  readonly content: unknown;
  /** Free text the user answered with (action "respond"). */
  readonly text: string;
  /** The answer as it arrived. */
  readonly response: RenderableResponse;
}

/**
 * One user message and the agent's reply to it. Every frame it sends carries
 * the conversation id, the response id and the trace context; frames go out
 * in the order the methods are called (each returns the session's send
 * promise); START is sent before the first content, prompts or renderable
 * frame; exactly one terminal frame (END or error) is sent, none after an
 * abort. Calls after the turn ended reject with reason "turn_ended".
 */
export interface Turn {
  /** The user's message. */
  readonly message: Message;
  /** The user's audio, when the message is an "[audio]" placeholder and audio is enabled. */
  readonly audio: AudioInput | undefined;
  /** The conversation the reply is routed to. */
  readonly conversationId: string;
  /** The id echoed on every frame of the reply (the incoming message's id). */
  readonly responseId: string;
  /** The W3C traceparent of the turn, from the incoming frame or generated. */
  readonly traceparent: string;
  /** The trace context echoed on every frame. */
  readonly traceContext: TraceContext;
  /** Aborts when the turn is stopped, superseded, disconnected or closed; pass it to your tools. */
  readonly signal: AbortSignal;
  /** Why the turn was aborted, once it was. */
  readonly abortReason: TurnAbortReason | undefined;
  /** Where the turn is in its lifecycle. */
  readonly state: TurnState;
  /** Whether the turn ended (finished, failed or aborted); later calls reject with "turn_ended". */
  readonly ended: boolean;
  /** Sends a status update; CUSTOM shows `text` and `emoji`. Also what keep-alive repeats. */
  status(kind: StatusKind | StatusUpdate_Status, text?: string, emoji?: string): Promise<void>;
  /** Sends text as a DELTA (START first, once); empty text sends nothing. */
  write(text: string): Promise<void>;
  /** Writes every chunk of a token stream in order; resolves early, quietly, when the turn aborts. */
  pipe(source: AsyncIterable<string>): Promise<void>;
  /** Replaces the whole text of the reply so far (REPLACE). */
  replace(text: string): Promise<void>;
  /** Adds attachments to the END frame that `finish()` sends. */
  attach(...attachments: TurnAttachment[]): void;
  /** Sends prompts the user may pick next. */
  suggestPrompts(prompts: readonly PromptInput[]): Promise<void>;
  /** Sets the thread's title, or asks for a new thread. */
  threadMetadata(metadata: MessageInitShape<typeof ThreadMetadataSchema>): Promise<void>;
  /** Sends the text recognised from the user's audio. */
  transcript(text: string, options?: { messageId?: string; language?: string }): Promise<void>;
  /** Shows a form and resolves with the user's answer; rejects on abort or UNSUPPORTED. */
  render(request: RenderRequest): Promise<RenderResult>;
  /** Same as `render()`: asks the user for structured input. */
  elicit(request: RenderRequest): Promise<RenderResult>;
  /** Ends the reply with END (empty text, with the attachments). */
  finish(options?: FinishOptions): Promise<void>;
  /** Ends the reply with an ErrorResponse describing `error`. */
  fail(error: unknown, options?: FailOptions): Promise<void>;
  /** Aborts the turn: nothing more is sent for it, and `signal` aborts with `reason`. */
  abort(reason?: TurnAbortReason): void;
}
