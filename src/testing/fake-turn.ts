import {
  type AgentResponse,
  ContentChunk_ChunkType,
  type ErrorResponse,
  type Message,
  type StatusUpdate,
} from "../schema/index.js";
import { FakeSidecarError } from "./fake-errors.js";
import type { Waiters, WaitOptions } from "./waiters.js";

/**
 * Where a turn is, seen from the fake sidecar: `running` (the message was
 * delivered and no terminal frame came back yet), `ended` (the agent sent
 * END), `failed` (the agent sent an error frame), `lost` (the agent's stream
 * ended first; a real sidecar fails the turn then).
 */
export type FakeTurnState = "running" | "ended" | "failed" | "lost";

/**
 * One user message the fake delivered and the agent's reply to it: the
 * frames whose `conversation_id` and `response_id` match the message.
 */
export interface FakeTurn {
  /** The conversation of the turn. */
  readonly conversationId: string;
  /** The turn's response id: the delivered message's id, which replies must echo. */
  readonly responseId: string;
  /** The message the fake delivered. */
  readonly message: Message;
  /** The agent's frames of this turn, in arrival order (a live array). */
  readonly frames: readonly AgentResponse[];
  /** Where the turn is. */
  readonly state: FakeTurnState;
  /** Whether the fake sent a STOP for this turn. */
  readonly stopped: boolean;
  /** The reply text: DELTA contents concatenated, a REPLACE replacing everything so far (START/END text ignored). */
  text(): string;
  /** The latest status update of the turn, if any. */
  status(): StatusUpdate | undefined;
  /** The error of the turn's error frame, if it failed. */
  error(): ErrorResponse | undefined;
  /**
   * The frames as short names, for asserting their order: "status",
   * "content:START", "content:DELTA", "content:END", "content:REPLACE",
   * "error", or the payload case of anything else.
   */
  kinds(): string[];
  /**
   * Resolves with the turn once its END or error frame arrived; rejects with
   * reason "turn_lost" if the agent's stream ended first, "timeout" after
   * `timeoutMs`.
   */
  ended(options?: WaitOptions): Promise<FakeTurn>;
}

/** The fake's side of a FakeTurn: what records frames and ends it. */
export class FakeTurnRecord implements FakeTurn {
  readonly frames: AgentResponse[] = [];
  state: FakeTurnState = "running";
  stopped = false;

  constructor(
    readonly message: Message,
    readonly streamId: number,
    private readonly waiters: Waiters,
    private readonly defaultTimeoutMs: number,
  ) {}

  get conversationId(): string {
    return this.message.conversationId;
  }

  get responseId(): string {
    return this.message.id;
  }

  /** Records a frame of this turn; the first END or error frame ends it. */
  record(frame: AgentResponse): void {
    this.frames.push(frame);
    if (this.state !== "running") return;
    const p = frame.payload;
    if (p.case === "error") this.state = "failed";
    else if (p.case === "content" && p.value.type === ContentChunk_ChunkType.END) {
      this.state = "ended";
    }
  }

  /** Marks the turn lost because its stream ended before a terminal frame. */
  lose(): void {
    if (this.state === "running") this.state = "lost";
  }

  text(): string {
    let text = "";
    for (const f of this.frames) {
      if (f.payload.case !== "content") continue;
      const chunk = f.payload.value;
      if (chunk.type === ContentChunk_ChunkType.DELTA) text += chunk.content;
      else if (chunk.type === ContentChunk_ChunkType.REPLACE) text = chunk.content;
    }
    return text;
  }

  status(): StatusUpdate | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const p = (this.frames[i] as AgentResponse).payload;
      if (p.case === "status") return p.value;
    }
    return undefined;
  }

  error(): ErrorResponse | undefined {
    for (const f of this.frames) if (f.payload.case === "error") return f.payload.value;
    return undefined;
  }

  kinds(): string[] {
    return this.frames.map(frameKind);
  }

  ended(options?: WaitOptions): Promise<FakeTurn> {
    const label = `turn ${this.responseId} of conversation ${this.conversationId}`;
    return this.waiters.wait({
      what: `the END or error frame of ${label}`,
      timeoutMs: options?.timeoutMs ?? this.defaultTimeoutMs,
      signal: options?.signal,
      probe: () => {
        if (this.state === "ended" || this.state === "failed") return this;
        if (this.state === "lost") {
          throw new FakeSidecarError(
            "turn_lost",
            `${label} was lost: the agent's stream ended before its END or error frame (frames: ${describeKinds(this.kinds())})`,
          );
        }
        return undefined;
      },
      detail: () => `frames of the turn so far: ${describeKinds(this.kinds())}`,
    });
  }
}

/** Names a frame for assertions and messages (see FakeTurn.kinds). */
export function frameKind(frame: AgentResponse): string {
  const p = frame.payload;
  if (p.case === "content")
    return `content:${ContentChunk_ChunkType[p.value.type] ?? p.value.type}`;
  return p.case ?? "empty";
}

/** Names the frames of a list, for failure messages. */
export function describeFrames(frames: readonly AgentResponse[]): string {
  return frames.map((f) => `${f.conversationId}/${f.responseId}:${frameKind(f)}`).join(", ");
}

function describeKinds(kinds: string[]): string {
  return kinds.length === 0 ? "none" : kinds.join(", ");
}
