import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { AudioInput } from "../audio/audio-input.js";
import { AgentwireError, abortedError, assertArgument } from "../client/errors.js";
import {
  contentFrame,
  errorFrame,
  promptsFrame,
  type ReplyAddress,
  renderableFrame,
  statusFrame,
  threadMetadataFrame,
  transcriptFrame,
} from "../oneof/frames.js";
import {
  type AgentResponse,
  ContentChunk_ChunkType,
  type ConversationRequest,
  type Message,
  type RenderableResponse,
  type ResponseAttachment,
  StatusUpdate_Status,
  type ThreadMetadataSchema,
  type TraceContext,
} from "../schema/index.js";
import type { Session } from "../session/session-interface.js";
import { statusValue, toErrorFrame, toPrompts, toResponseAttachment } from "./frame-inputs.js";
import { buildRenderable, RenderWaiters, readRenderableResponse } from "./renderable.js";
import { turnTraceContext } from "./trace-context.js";
import type {
  FailOptions,
  FinishOptions,
  PromptInput,
  RenderRequest,
  RenderResult,
  StatusKind,
  Turn,
  TurnAbortReason,
  TurnAttachment,
  TurnState,
} from "./turn-interface.js";

/** What a turn needs from the router that created it. */
export interface TurnHost {
  /** The session the turn's frames are sent on. */
  readonly session: Session;
  /** Re-send the last status after this long without a frame, in milliseconds; 0 disables. */
  readonly keepAliveMs: number;
  /** Called once when the turn ends, however it ends. */
  ended(turn: TurnImpl): void;
}

/** A plain content chunk, sent through the session's specialised encoder. */
interface ContentOut {
  readonly chunk: ContentChunk_ChunkType;
  readonly text: string;
}

/** A frame the turn sends: a content chunk, or any other reply frame. */
type OutgoingFrame = ContentOut | ConversationRequest;

interface SendPlan {
  /** Send START first unless it was sent. */
  start?: boolean;
  /** The state this frame ends the turn in. */
  terminal?: Exclude<TurnState, "open" | "aborted">;
}

/** The Turn of one incoming message; created by the router (`serve`, `turns`). */
export class TurnImpl implements Turn {
  readonly conversationId: string;
  readonly responseId: string;
  readonly traceContext: TraceContext;
  state: TurnState = "open";
  abortReason: TurnAbortReason | undefined;
  private readonly controller = new AbortController();
  private readonly address: ReplyAddress;
  private readonly attachments: ResponseAttachment[] = [];
  private readonly renders = new RenderWaiters();
  private started = false;
  /** The options of every send of this turn: its signal withdraws queued frames on abort. */
  private sendOptions: { signal: AbortSignal } | undefined;
  private lastStatus: [StatusUpdate_Status, string, string] = [
    StatusUpdate_Status.THINKING,
    "",
    "",
  ];
  private keepAliveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    frame: AgentResponse,
    readonly message: Message,
    private readonly host: TurnHost,
    public audio: AudioInput | undefined = undefined,
  ) {
    this.conversationId = frame.conversationId || message.conversationId;
    this.responseId = frame.responseId || message.id;
    this.traceContext = turnTraceContext(frame);
    this.address = {
      conversationId: this.conversationId,
      responseId: this.responseId,
      traceContext: this.traceContext,
    };
    this.armKeepAlive();
  }

  get traceparent(): string {
    return this.traceContext.traceparent;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.state !== "open";
  }

  status(kind: StatusKind | StatusUpdate_Status, text = "", emoji = ""): Promise<void> {
    return this.send("status", () => {
      this.lastStatus = [statusValue(kind), text, emoji];
      return [statusFrame(this.address, this.lastStatus[0], { customMessage: text, emoji })];
    });
  }

  write(text: string): Promise<void> {
    return this.send(
      "write",
      () => {
        assertArgument(typeof text === "string", "write: text must be a string");
        return text === "" ? [] : [{ chunk: ContentChunk_ChunkType.DELTA, text }];
      },
      { start: text !== "" },
    );
  }

  async pipe(source: AsyncIterable<string>): Promise<void> {
    if (this.ended) throw this.endedError("pipe");
    const iterator = source[Symbol.asyncIterator]();
    const stopped = Symbol("stopped");
    let onAbort = () => {};
    const aborted = new Promise<typeof stopped>((resolve) => {
      onAbort = () => resolve(stopped);
      this.signal.addEventListener("abort", onAbort, { once: true });
    });
    let done = false;
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next === stopped || this.signal.aborted) return;
        if (next.done) {
          done = true;
          return;
        }
        try {
          await this.write(next.value);
        } catch (e) {
          if (this.signal.aborted) return;
          throw e;
        }
      }
    } finally {
      this.signal.removeEventListener("abort", onAbort);
      if (!done) void Promise.resolve(iterator.return?.()).catch(() => {});
    }
  }

  replace(text: string): Promise<void> {
    return this.send("replace", () => [{ chunk: ContentChunk_ChunkType.REPLACE, text }], {
      start: true,
    });
  }

  attach(...attachments: TurnAttachment[]): void {
    if (this.ended) throw this.endedError("attach");
    this.attachments.push(...attachments.map(toResponseAttachment));
  }

  suggestPrompts(prompts: readonly PromptInput[]): Promise<void> {
    return this.send("suggestPrompts", () => [promptsFrame(this.address, toPrompts(prompts))], {
      start: true,
    });
  }

  threadMetadata(metadata: MessageInitShape<typeof ThreadMetadataSchema>): Promise<void> {
    return this.send("threadMetadata", () => [threadMetadataFrame(this.address, metadata)]);
  }

  transcript(text: string, options?: { messageId?: string; language?: string }): Promise<void> {
    return this.send("transcript", () => [transcriptFrame(this.address, text, options)]);
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    if (this.ended) throw this.endedError("render");
    const renderable = buildRenderable(request);
    const answer = this.renders.wait(renderable.id, request.signal);
    try {
      await this.send("render", () => [renderableFrame(this.address, renderable)], { start: true });
    } catch (e) {
      this.renders.cancel(renderable.id, e);
      throw e;
    }
    return readRenderableResponse(await answer);
  }

  elicit(request: RenderRequest): Promise<RenderResult> {
    return this.render(request);
  }

  finish(options: FinishOptions = {}): Promise<void> {
    return this.send(
      "finish",
      () => {
        const extra = (options.attachments ?? []).map(toResponseAttachment);
        const attachments = [...this.attachments, ...extra];
        if (attachments.length === 0 && options.options === undefined) {
          return [{ chunk: ContentChunk_ChunkType.END, text: "" }];
        }
        const extras = { attachments, options: options.options };
        return [contentFrame(this.address, ContentChunk_ChunkType.END, "", extras)];
      },
      { start: true, terminal: "finished" },
    );
  }

  fail(error: unknown, options?: FailOptions): Promise<void> {
    return this.send("fail", () => [errorFrame(this.address, toErrorFrame(error, options))], {
      terminal: "failed",
    });
  }

  abort(reason: TurnAbortReason = "aborted"): void {
    if (this.ended) return;
    this.state = "aborted";
    this.abortReason = reason;
    const error = new AgentwireError(
      "aborted",
      `turn ${this.responseId} of conversation ${this.conversationId} was aborted (${reason})`,
      Code.Canceled,
    );
    this.controller.abort(error);
    this.end(abortedError("render", this.signal));
  }

  /** Hands the user's answer to the render() waiting for it; false when none waits. */
  deliver(response: RenderableResponse): boolean {
    return this.renders.deliver(response);
  }

  /**
   * The one path every frame takes: refuses once the turn ended, builds the
   * frames (argument errors reject), puts START first once, marks a terminal
   * frame's end before sending, and queues everything on the session in call
   * order, withdrawn from the queue if the turn aborts meanwhile.
   */
  private send(what: string, build: () => OutgoingFrame[], plan: SendPlan = {}) {
    if (this.ended) return Promise.reject(this.endedError(what));
    let frames: OutgoingFrame[];
    try {
      frames = build();
    } catch (e) {
      return Promise.reject(e);
    }
    if (plan.start && !this.started) {
      this.started = true;
      frames.unshift({ chunk: ContentChunk_ChunkType.START, text: "" });
    }
    if (plan.terminal !== undefined) {
      this.state = plan.terminal;
      this.end(this.endedError("render"));
    } else {
      this.armKeepAlive();
    }
    // A token is one frame: its promise is the session's own, with nothing added.
    if (frames.length === 1) return this.sendOne(frames[0] as OutgoingFrame);
    return Promise.all(frames.map((f) => this.sendOne(f))).then(() => {});
  }

  private sendOne(frame: OutgoingFrame): Promise<void> {
    const session = this.host.session;
    this.sendOptions ??= { signal: this.signal };
    return "chunk" in frame
      ? session.sendContent(this.address, frame.chunk, frame.text, this.sendOptions)
      : session.send(frame, this.sendOptions);
  }

  private end(renderError: unknown): void {
    clearTimeout(this.keepAliveTimer);
    this.renders.cancelAll(renderError);
    this.host.ended(this);
  }

  private armKeepAlive(): void {
    if (this.host.keepAliveMs <= 0) return;
    clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = setTimeout(() => {
      const [status, customMessage, emoji] = this.lastStatus;
      this.send("keepAlive", () => [
        statusFrame(this.address, status, { customMessage, emoji }),
      ]).catch(() => {});
    }, this.host.keepAliveMs);
    this.keepAliveTimer.unref?.();
  }

  private endedError(what: string): AgentwireError {
    const why = this.abortReason === undefined ? this.state : `aborted (${this.abortReason})`;
    return new AgentwireError(
      "turn_ended",
      `${what}: turn ${this.responseId} of conversation ${this.conversationId} already ${why}; nothing was sent`,
      Code.FailedPrecondition,
    );
  }
}
