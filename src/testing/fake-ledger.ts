import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { AgentConfig, AgentResponse, ConversationRequest, Message } from "../schema/index.js";
import { type AgentLink, createAgentLink } from "../sidecar-core/agent-link.js";
import type {
  HistoryConversation,
  HistoryEntry,
  HistorySource,
} from "../sidecar-core/history-source.js";
import { FakeSidecarError } from "./fake-errors.js";
import type { FeedbackTarget } from "./fake-sidecar-types.js";
import { FakeTurnRecord } from "./fake-turn.js";
import { Waiters } from "./waiters.js";

interface FakeConversation extends HistoryConversation {
  readonly history: HistoryEntry[];
}

/**
 * What the fake sidecar knows, shared by its service, drivers and waits: the
 * agent link (the sidecar core's: open streams, which one is registered and
 * receives work), every frame the agents wrote, the turns, and the messages
 * delivered per conversation (its thread history).
 */
export class FakeLedger implements HistorySource {
  /** The agent streams, with the rules of a deployed sidecar. */
  readonly link: AgentLink;
  /** Whether the fake was closed. */
  closed = false;
  /** Every frame any open agent stream wrote, in arrival order. */
  readonly received: ConversationRequest[] = [];
  /** Every reply frame of registered streams, in arrival order. */
  readonly frames: AgentResponse[] = [];
  /** Every turn started, oldest first. */
  readonly turns: FakeTurnRecord[] = [];
  /** The waits on this state; `check()` after every change. */
  readonly waiters = new Waiters();
  private readonly turnsById = new Map<string, FakeTurnRecord>();
  private readonly conversations = new Map<string, FakeConversation>();
  private conversationCount = 0;

  constructor(
    /** The platform of the fake's conversations (history and metadata answer for it). */
    readonly platform: string,
    /** The bound of a turn's `ended()` when the caller gives none, in milliseconds. */
    private readonly timeoutMs: number,
  ) {
    this.link = createAgentLink({
      onRequest: (request) => this.received.push(request),
      onFrame: (frame) => this.recordReply(frame),
      onStreamEnded: (stream) => {
        for (const turn of this.turns) if (turn.streamId === stream.id) turn.lose();
      },
      onChange: () => this.waiters.check(),
    });
  }

  /** The AgentConfig of the latest registration or update. */
  get agentConfig(): AgentConfig | undefined {
    return this.link.config;
  }

  /** Throws reason "closed" once the fake is closed; `what` names the caller. */
  assertOpen(what: string): void {
    if (this.closed) throw new FakeSidecarError("closed", `${what}: the fake sidecar is closed`);
  }

  /** The id of the stream receiving work; throws reason "no_agent" when none is registered. */
  requireAgent(what: string): number {
    this.assertOpen(what);
    const id = this.link.activeStreamId;
    if (id === undefined) {
      throw new FakeSidecarError(
        "no_agent",
        `${what}: no agent is connected (a real sidecar would drop this); await fake.waitForAgent() first`,
      );
    }
    return id;
  }

  /** Queues frames for the agent stream receiving work; throws reason "no_agent" when none is. */
  send(what: string, ...frames: AgentResponse[]): void {
    this.requireAgent(what);
    for (const frame of frames) this.link.send(frame);
  }

  /** Ends every open stream with UNAVAILABLE and `message`. */
  failStreams(message: string): void {
    this.link.disconnect(new ConnectError(message, Code.Unavailable));
  }

  /** Closes the fake: streams end with UNAVAILABLE, new ones are refused. */
  close(): void {
    this.closed = true;
    this.link.close(new ConnectError("the fake sidecar closed", Code.Unavailable));
  }

  /** A conversation id no message used yet. */
  newConversationId(): string {
    return `conversation-${++this.conversationCount}`;
  }

  /** Starts the turn of a message delivered on stream `streamId` and adds it to its conversation's history. */
  startTurn(message: Message, streamId: number): FakeTurnRecord {
    const turn = new FakeTurnRecord(message, streamId, this.waiters, this.timeoutMs);
    this.turns.push(turn);
    this.turnsById.set(message.id, turn);
    let conversation = this.conversations.get(message.conversationId);
    if (conversation === undefined) {
      conversation = { id: message.conversationId, createdAt: new Date(), history: [] };
      this.conversations.set(conversation.id, conversation);
    }
    conversation.history.push({
      messageId: message.id,
      role: "user",
      userId: message.user?.id ?? "",
      username: message.user?.username ?? "",
      content: message.content,
      timestamp: message.timestamp ? timestampDate(message.timestamp) : new Date(),
      attachments: message.attachments,
    });
    return turn;
  }

  /** Records a reply frame, and on its turn when ids match one. */
  recordReply(frame: AgentResponse): void {
    this.frames.push(frame);
    const turn = this.turnsById.get(frame.responseId);
    if (turn !== undefined && turn.conversationId === frame.conversationId) turn.record(frame);
  }

  /** The conversation with this id, if a message was delivered to it. */
  get(conversationId: string): HistoryConversation | undefined {
    return this.conversations.get(conversationId);
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
