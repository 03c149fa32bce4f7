import { Code } from "@connectrpc/connect";
import { AgentwireError, abortedError } from "../client/errors.js";
import { AsyncQueue } from "../internal/async-queue.js";
import type { Emitter } from "../internal/emitter.js";
import type { AgentResponse } from "../schema/index.js";
import { decodeAgentResponse } from "./response-decoder.js";
import type { SessionEvents } from "./session-interface.js";
import type { TurnTracker } from "./turn-tracker.js";

/**
 * The inbound side of a session: decodes each payload the sidecar sends,
 * records the turns it starts, and hands the frame to the session's events
 * and to every `frames()` reader.
 */
export class FrameDispatch {
  /** Whether a frame arrived on the current stream (reset per stream). */
  gotFrame = false;
  // Created on first use: most sessions never lose a turn, and an idle
  // session should cost little memory.
  private subscribers: Set<AsyncQueue<AgentResponse>> | undefined;

  constructor(
    private readonly events: Emitter<SessionEvents>,
    private readonly turns: TurnTracker,
  ) {}

  /** Decodes and dispatches one payload; a payload that is not an AgentResponse throws `malformed_frame`. */
  readonly onPayload = (payload: Uint8Array): void => {
    let frame: AgentResponse;
    try {
      frame = decodeAgentResponse(payload);
    } catch (e) {
      throw new AgentwireError(
        "malformed_frame",
        `the sidecar sent a frame that is not an AgentResponse: ${e instanceof Error ? e.message : String(e)}`,
        Code.Internal,
        e,
      );
    }
    this.gotFrame = true;
    this.dispatch(frame);
  };

  /**
   * A new reader of the frames: ended at once with `closedError` when the
   * session is already closed (`closed`), and when `signal` aborts.
   */
  subscribe(
    signal: AbortSignal | undefined,
    closed: boolean,
    closedError: AgentwireError | undefined,
  ): AsyncIterableIterator<AgentResponse> {
    const onAbort = () => sub.end(abortedError("frames", signal as AbortSignal));
    const sub: AsyncQueue<AgentResponse> = new AsyncQueue(() => {
      this.subscribers?.delete(sub);
      signal?.removeEventListener("abort", onAbort);
    });
    if (closed) {
      sub.end(closedError);
      return sub;
    }
    this.subscribers ??= new Set();
    this.subscribers.add(sub);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    return sub;
  }

  /** Ends every reader (after the frames it has not read yet), throwing `error` if given. */
  endAll(error: AgentwireError | undefined): void {
    if (this.subscribers !== undefined) for (const sub of this.subscribers) sub.end(error);
    this.subscribers = undefined;
  }

  private dispatch(frame: AgentResponse): void {
    const payload = frame.payload;
    if (payload.case === "incomingMessage") {
      this.turns.started(frame.conversationId, frame.responseId);
    }
    this.events.emit("frame", frame);
    switch (payload.case) {
      case "incomingMessage":
        this.events.emit("message", payload.value, frame);
        break;
      case "feedback":
        this.events.emit("feedback", payload.value, frame);
        break;
      case "audioConfig":
        this.events.emit("audioConfig", payload.value, frame);
        break;
      case "audioChunk":
        this.events.emit("audioChunk", payload.value, frame);
        break;
    }
    if (this.subscribers !== undefined) for (const sub of this.subscribers) sub.push(frame);
  }
}
