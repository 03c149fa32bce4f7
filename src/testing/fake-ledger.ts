import { Code, ConnectError } from "@connectrpc/connect";
import type { AgentConfig, AgentResponse, ConversationRequest, Message } from "../schema/index.js";
import { FakeSidecarError } from "./fake-errors.js";
import type { FeedbackTarget } from "./fake-sidecar-types.js";
import { FakeAgentStream } from "./fake-stream.js";
import { FakeTurnRecord } from "./fake-turn.js";
import { Waiters } from "./waiters.js";

/**
 * What the fake sidecar knows, shared by its service, drivers and waits: the
 * open streams and which one is registered, every frame the agents wrote, the
 * turns, and the messages delivered per conversation (its thread history).
 */
export class FakeLedger {
  /** Streams registered so far. */
  registrations = 0;
  /** The AgentConfig of the latest registration or update. */
  agentConfig: AgentConfig | undefined;
  /** The newest registered stream that is still open: the one that receives work. */
  active: FakeAgentStream | undefined;
  /** Whether the fake was closed. */
  closed = false;
  /** Every frame any agent stream wrote, in arrival order. */
  readonly received: ConversationRequest[] = [];
  /** Every reply frame of registered streams, in arrival order. */
  readonly frames: AgentResponse[] = [];
  /** Every turn started, oldest first. */
  readonly turns: FakeTurnRecord[] = [];
  /** The waits on this state; `check()` after every change. */
  readonly waiters = new Waiters();
  /** The ProcessConversation streams currently open, registered or not. */
  readonly streams = new Set<FakeAgentStream>();
  private readonly turnsById = new Map<string, FakeTurnRecord>();
  private readonly messages = new Map<string, Message[]>();
  private streamCount = 0;
  private conversationCount = 0;

  constructor(
    /** The bound of a turn's `ended()` when the caller gives none, in milliseconds. */
    private readonly timeoutMs: number,
  ) {}

  /** Throws reason "closed" once the fake is closed; `what` names the caller. */
  assertOpen(what: string): void {
    if (this.closed) throw new FakeSidecarError("closed", `${what}: the fake sidecar is closed`);
  }

  /** The registered stream to send to; throws reason "no_agent" when there is none. */
  requireAgent(what: string): FakeAgentStream {
    this.assertOpen(what);
    if (this.active === undefined) {
      throw new FakeSidecarError(
        "no_agent",
        `${what}: no agent is connected (a real sidecar would drop this); await fake.waitForAgent() first`,
      );
    }
    return this.active;
  }

  /** Opens the record of a new stream, numbered in opening order. */
  openStream(): FakeAgentStream {
    const stream = new FakeAgentStream(++this.streamCount);
    this.streams.add(stream);
    return stream;
  }

  /** Forgets an ended stream and loses its running turns (once per stream). */
  streamEnded(stream: FakeAgentStream): void {
    if (!this.streams.delete(stream)) return;
    stream.over = true;
    if (this.active === stream) this.active = undefined;
    for (const turn of this.turns) if (turn.streamId === stream.id) turn.lose();
    this.waiters.check();
  }

  /** Ends every open stream with UNAVAILABLE and `message`. */
  failStreams(message: string): void {
    for (const stream of this.streams) stream.fail(new ConnectError(message, Code.Unavailable));
  }

  /** A conversation id no message used yet. */
  newConversationId(): string {
    return `conversation-${++this.conversationCount}`;
  }

  /** Starts the turn of a message delivered on `stream` and adds it to its conversation's history. */
  startTurn(message: Message, stream: FakeAgentStream): FakeTurnRecord {
    const turn = new FakeTurnRecord(message, stream.id, this.waiters, this.timeoutMs);
    this.turns.push(turn);
    this.turnsById.set(message.id, turn);
    const history = this.messages.get(message.conversationId) ?? [];
    history.push(message);
    this.messages.set(message.conversationId, history);
    return turn;
  }

  /** Records a reply frame, and on its turn when ids match one. */
  recordReply(frame: AgentResponse): void {
    this.frames.push(frame);
    const turn = this.turnsById.get(frame.responseId);
    if (turn !== undefined && turn.conversationId === frame.conversationId) turn.record(frame);
  }

  /** The messages delivered to a conversation, oldest first (empty when none). */
  historyOf(conversationId: string): Message[] {
    return this.messages.get(conversationId) ?? [];
  }

  /** The conversation with this id, if a message was delivered to it, else "". */
  knownConversation(conversationId: string | undefined): string {
    return conversationId !== undefined && this.messages.has(conversationId) ? conversationId : "";
  }

  /** The reply frames of a conversation, in arrival order. */
  framesOf(conversationId: string): AgentResponse[] {
    return this.frames.filter((f) => f.conversationId === conversationId);
  }

  /** The turn with this response id, or else the latest turn of the conversation with this id. */
  turn(id: string): FakeTurnRecord | undefined {
    return this.turnsById.get(id) ?? this.latestTurn(id);
  }

  /** The turn with this response id. */
  turnById(responseId: string): FakeTurnRecord | undefined {
    return this.turnsById.get(responseId);
  }

  /** The response id feedback is about: the target's, else the conversation's latest turn's, else "". */
  targetResponseId(conversationId: string, target?: FeedbackTarget): string {
    return target?.responseId ?? this.latestTurn(conversationId)?.responseId ?? "";
  }

  private latestTurn(conversationId: string): FakeTurnRecord | undefined {
    for (let i = this.turns.length - 1; i >= 0; i--) {
      const t = this.turns[i] as FakeTurnRecord;
      if (t.conversationId === conversationId) return t;
    }
    return undefined;
  }
}
