import { type AudioDemux, createAudioDemux } from "../audio/audio-demux.js";
import { isAudioPlaceholder } from "../audio/audio-filetype.js";
import type { AudioInput } from "../audio/audio-input.js";
import { assertArgument } from "../client/errors.js";
import type { AgentResponse, Message, PlatformFeedback } from "../schema/index.js";
import type { LostTurn, Session, SessionStateChange } from "../session/session-interface.js";
import { type FeedbackKind, feedbackKind } from "./feedback-kind.js";
import { type TurnHost, TurnImpl } from "./turn-impl.js";
import type { TurnAbortReason } from "./turn-interface.js";

/** The keep-alive interval of `serve` and `turns` when the caller sets none, in milliseconds. */
export const DEFAULT_KEEP_ALIVE_MS = 60_000;

/**
 * Resolves a `keepAliveMs` option of `where` (`serve`, `turns`): the default
 * when unset; a negative value or NaN is AgentwireError `invalid_argument`.
 */
export function resolveKeepAliveMs(value: number | undefined, where: string): number {
  const keepAliveMs = value ?? DEFAULT_KEEP_ALIVE_MS;
  assertArgument(
    keepAliveMs >= 0,
    `${where}: keepAliveMs must not be negative, got ${keepAliveMs}`,
  );
  return keepAliveMs;
}

/** What the router tells its owner (`serve`, `turns`). */
export interface TurnRouterOptions {
  /** Keep-alive interval of every turn, in milliseconds; 0 disables. */
  readonly keepAliveMs: number;
  /** Demultiplexes audio and attaches it to "[audio]" placeholder turns; else those are refused. */
  readonly audio: boolean;
  /** A new turn began (the conversation's previous turn was already superseded). */
  onTurn(turn: TurnImpl): void;
  /** Feedback arrived, after STOP and renderable answers were applied; `claimed` when a render() took it. */
  onFeedback?(
    feedback: PlatformFeedback,
    kind: FeedbackKind,
    frame: AgentResponse,
    turn: TurnImpl | undefined,
    claimed: boolean,
  ): void;
  /** The router stopped (its `close()`, or the session closed); called once. */
  onClose(): void;
}

/**
 * Turns a session's messages into Turns and keeps them honest: one running
 * turn per conversation (a newer message supersedes the running one), STOP
 * aborts the conversation's turn (unless it names another response), renderable answers go to the render()
 * waiting for them, and a broken stream or a closing session aborts the turns
 * in flight. Shared by `serve` and `turns` so both behave the same.
 */
export class TurnRouter {
  /** The running turn of each conversation. */
  readonly active = new Map<string, TurnImpl>();
  /** True once the router stopped. */
  closed = false;
  private readonly host: TurnHost;
  private readonly unsubscribe: (() => void)[];
  private readonly audioInputs = new Map<string, AudioInput>();
  private readonly waitingForAudio = new Map<string, TurnImpl>();
  private readonly demux: AudioDemux | undefined;

  constructor(
    session: Session,
    private readonly options: TurnRouterOptions,
  ) {
    this.host = {
      session,
      keepAliveMs: options.keepAliveMs,
      ended: (turn) => {
        if (this.active.get(turn.conversationId) === turn) this.active.delete(turn.conversationId);
      },
    };
    this.unsubscribe = [
      session.on("message", this.onMessage),
      session.on("feedback", this.onFeedback),
      session.on("turnsLost", this.onTurnsLost),
      session.on("state", this.onState),
    ];
    if (options.audio) {
      this.demux = createAudioDemux(session, {
        onInput: this.onAudioInput,
      });
    }
    if (session.state === "closed") queueMicrotask(() => this.close());
  }

  /** Stops routing: removes the listeners and aborts every running turn with `reason`. */
  close(reason: TurnAbortReason = "closed"): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.demux?.dispose();
    this.audioInputs.clear();
    this.waitingForAudio.clear();
    this.abortAll(reason);
    this.options.onClose();
  }

  private abortAll(reason: TurnAbortReason): void {
    for (const turn of [...this.active.values()]) turn.abort(reason);
  }

  /**
   * A user message starts a turn and supersedes the conversation's running
   * one. An "[audio]" placeholder takes the conversation's audio input: the
   * one already received (the web sidecar sends the placeholder last), or
   * the next one to begin (other sidecars send it first); the turn is handed
   * over once it has its audio. Without audio support it is refused.
   */
  private readonly onMessage = (message: Message, frame: AgentResponse): void => {
    const conversationId = frame.conversationId || message.conversationId;
    this.active.get(conversationId)?.abort("superseded");
    const turn = new TurnImpl(frame, message, this.host);
    this.active.set(turn.conversationId, turn);
    if (!isAudioPlaceholder(message)) {
      this.options.onTurn(turn);
      return;
    }
    if (!this.options.audio) {
      const why = "this agent does not accept audio messages";
      turn.fail(why, { code: "invalid_request" }).catch(() => {});
      return;
    }
    turn.audio = this.audioInputs.get(conversationId);
    this.audioInputs.delete(conversationId);
    if (turn.audio !== undefined) this.options.onTurn(turn);
    else this.waitingForAudio.set(conversationId, turn);
  };

  private readonly onAudioInput = (input: AudioInput): void => {
    const turn = this.waitingForAudio.get(input.conversationId);
    this.waitingForAudio.delete(input.conversationId);
    if (turn === undefined || turn.ended) {
      this.audioInputs.set(input.conversationId, input);
      return;
    }
    turn.audio = input;
    this.options.onTurn(turn);
  };

  private readonly onFeedback = (feedback: PlatformFeedback, frame: AgentResponse): void => {
    const conversationId = frame.conversationId || feedback.conversationId;
    const turn = this.active.get(conversationId);
    const kind = feedbackKind(feedback);
    // A STOP names the response it stops; one naming an earlier, finished
    // response is stale and leaves the running turn alone. An empty id stops
    // whatever runs.
    const stopped = feedback.responseId || frame.responseId;
    if (kind === "stop" && (stopped === "" || stopped === turn?.responseId)) turn?.abort("stop");
    let claimed = false;
    if (feedback.feedback.case === "renderableResponse") {
      const response = feedback.feedback.value;
      claimed = turn?.deliver(response) ?? false;
      for (const other of this.active.values()) {
        if (claimed) break;
        claimed = other.deliver(response);
      }
    }
    this.options.onFeedback?.(feedback, kind, frame, turn, claimed);
  };

  private readonly onTurnsLost = (lost: LostTurn[]): void => {
    for (const { conversationId, responseId } of lost) {
      const turn = this.active.get(conversationId);
      if (turn?.responseId === responseId) turn.abort("disconnected");
    }
  };

  private readonly onState = (change: SessionStateChange): void => {
    if (change.previous === "open" && change.state !== "open") {
      const leaving = change.state === "closing" || change.state === "closed";
      this.abortAll(leaving ? "closed" : "disconnected");
      this.audioInputs.clear();
      this.waitingForAudio.clear();
    }
    if (change.state === "closed") this.close();
  };
}
