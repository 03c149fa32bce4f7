import type { AudioInput } from "../audio/audio-input.js";
import { assertArgument } from "../client/errors.js";
import type { AgentResponse, Message, PlatformFeedback } from "../schema/index.js";
import type { Session } from "../session/session-interface.js";
import type { FeedbackKind } from "./feedback-kind.js";
import { readRenderableResponse } from "./renderable.js";
import type { TurnImpl } from "./turn-impl.js";
import type { RenderResult, Turn } from "./turn-interface.js";
import { resolveKeepAliveMs, TurnRouter } from "./turn-router.js";

/** What a turn handler may return: nothing, or text written as the last DELTA before END. */
// biome-ignore lint/suspicious/noConfusingVoidType: async handlers that return nothing are Promise<void>
export type TurnHandlerResult = void | string | Promise<void | string>;

/** Where a piece of feedback belongs, for the feedback and resume handlers. */
export interface FeedbackContext {
  /** The conversation the feedback is about. */
  readonly conversationId: string;
  /** The response the feedback refers to (may be empty). */
  readonly responseId: string;
  /** The conversation's running turn when the feedback arrived (a stopped turn is already aborted). */
  readonly turn: Turn | undefined;
  /** The frame the feedback arrived in. */
  readonly frame: AgentResponse;
  /** The session, for replies outside a turn. */
  readonly session: Session;
}

/** The agent's code, called by `serve` for each kind of incoming work. */
export interface ServeHandlers {
  /** Answers one user message; returning finishes the turn (END), throwing fails it (ErrorResponse). */
  message(turn: Turn, message: Message): TurnHandlerResult;
  /** Answers a voice message ("[audio]" placeholder turn) with its audio; without it those turns are refused. */
  audio?(turn: Turn, input: AudioInput): TurnHandlerResult;
  /** Sees every piece of feedback, with a stable kind string; STOP was already applied. */
  feedback?(feedback: PlatformFeedback, kind: FeedbackKind, context: FeedbackContext): unknown;
  /** Receives a form answer no waiting render() took (e.g. one that arrived after a restart). */
  resume?(answer: RenderResult, context: FeedbackContext): unknown;
}

/** Options of `serve`. */
export interface ServeOptions {
  /** Re-sends the last status (or THINKING) after this long without a frame, in milliseconds (default 60000; 0 disables). */
  keepAliveMs?: number;
  /** Closes the router when it aborts. */
  signal?: AbortSignal;
  /** Receives handler errors (after the turn was failed); default logs them with console.error. */
  onError?: (error: unknown, where: { conversationId: string; responseId: string }) => void;
}

/** ServeOptions with every default filled in. */
export interface ResolvedServeOptions {
  /** See ServeOptions.keepAliveMs. */
  keepAliveMs: number;
  /** See ServeOptions.signal. */
  signal: AbortSignal | undefined;
  /** See ServeOptions.onError. */
  onError: (error: unknown, where: { conversationId: string; responseId: string }) => void;
}

/** Fills in the defaults of ServeOptions; the only place they are decided. */
export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  const keepAliveMs = resolveKeepAliveMs(options.keepAliveMs, "serve");
  return {
    keepAliveMs,
    signal: options.signal,
    onError:
      options.onError ??
      ((error, where) =>
        console.error(
          `agentwire: handler failed in conversation ${where.conversationId} (response ${where.responseId}):`,
          error,
        )),
  };
}

/** A running `serve`: its turns, and how to stop it. */
export interface ServeHandle {
  /** Resolves once serving stopped (close(), the signal, or the session closed) and every handler settled. */
  readonly done: Promise<void>;
  /** The running turn of each conversation, keyed by conversation id. */
  readonly activeTurns: ReadonlyMap<string, Turn>;
  /** Stops serving: removes the listeners, aborts running turns ("closed"), waits for their handlers. */
  close(): Promise<void>;
}

/**
 * Routes a session's incoming work to handlers. Conversations run
 * concurrently, one turn each: a newer message aborts the running turn
 * ("superseded"; nothing more is sent for it) and its handler starts at once,
 * without waiting for the old handler to settle. A handler's return finishes
 * the turn unless it already ended; a throw fails it (AGENT_ERROR unless the
 * error maps to another code); an aborted turn sends nothing further.
 */
export function serve(
  session: Session,
  handlers: ServeHandlers,
  options?: ServeOptions,
): ServeHandle {
  assertArgument(typeof handlers?.message === "function", "serve: handlers.message is required");
  const opts = resolveServeOptions(options);
  const pending = new Set<Promise<void>>();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const track = (where: { conversationId: string; responseId: string }, work: () => unknown) => {
    const p = (async () => {
      try {
        await work();
      } catch (error) {
        opts.onError(error, where);
      }
    })();
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const runTurn = async (turn: TurnImpl) => {
    try {
      const result =
        turn.audio !== undefined && handlers.audio !== undefined
          ? await handlers.audio(turn, turn.audio)
          : await handlers.message(turn, turn.message);
      if (turn.ended) return;
      if (typeof result === "string" && result !== "") await turn.write(result);
      await turn.finish();
    } catch (error) {
      if (turn.signal.aborted) return;
      if (!turn.ended) await turn.fail(error).catch(() => {});
      throw error;
    }
  };

  const context = (frame: AgentResponse, feedback: PlatformFeedback, turn: Turn | undefined) => ({
    conversationId: frame.conversationId || feedback.conversationId,
    responseId: frame.responseId || feedback.responseId,
    turn,
    frame,
    session,
  });

  const router = new TurnRouter(session, {
    keepAliveMs: opts.keepAliveMs,
    audio: handlers.audio !== undefined,
    onTurn: (turn) => track(turn, () => runTurn(turn)),
    onFeedback(feedback, kind, frame, turn, claimed) {
      const ctx = context(frame, feedback, turn);
      if (handlers.feedback !== undefined) {
        track(ctx, () => handlers.feedback?.(feedback, kind, ctx));
      }
      const answer = feedback.feedback;
      if (!claimed && answer.case === "renderableResponse" && handlers.resume !== undefined) {
        track(ctx, () => handlers.resume?.(readRenderableResponse(answer.value), ctx));
      }
    },
    onClose() {
      opts.signal?.removeEventListener("abort", close);
      void (async () => {
        while (pending.size > 0) await Promise.allSettled([...pending]);
        resolveDone();
      })();
    },
  });
  const close = () => {
    router.close("closed");
    return done;
  };
  opts.signal?.addEventListener("abort", close, { once: true });
  if (opts.signal?.aborted) close();
  return { done, activeTurns: router.active, close };
}
