import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AgentResponseSchema,
  AudioEncoding,
  type AudioStreamConfigSchema,
  type MessageReactionSchema,
  type PlatformFeedbackSchema,
  StreamControl_Action,
} from "../schema/index.js";
import {
  feedbackFrame,
  incomingMessageFrame,
  userMessage,
  voiceMessage,
} from "../sidecar-core/user-frames.js";
import type { FakeLedger } from "./fake-ledger.js";
import type { ResolvedFakeSidecarOptions } from "./fake-options.js";
import type {
  AgentResponseFrameInit,
  FakeAudioSend,
  FakeSidecar,
  FeedbackTarget,
  MessageInit,
  RenderableAnswer,
  SendAudioOptions,
  SendMessageOptions,
} from "./fake-sidecar-types.js";
import type { FakeTurn } from "./fake-turn.js";

/** The FakeSidecar methods that push user events to the agent. */
export type FakeSidecarDrivers = Pick<
  FakeSidecar,
  | "sendMessage"
  | "stop"
  | "react"
  | "answerRenderable"
  | "sendFeedback"
  | "sendAudio"
  | "sendFrame"
  | "disconnect"
>;

/**
 * The drivers of a fake sidecar: each builds the frames a deployed sidecar
 * would send for a user event (filling in ids, user, platform and timestamps
 * the test left out) and queues them on the registered agent stream.
 */
export class FakeDrivers implements FakeSidecarDrivers {
  constructor(
    private readonly ledger: FakeLedger,
    private readonly options: ResolvedFakeSidecarOptions,
  ) {}

  sendMessage(message: string | MessageInit, options: SendMessageOptions = {}): FakeTurn {
    const streamId = this.ledger.requireAgent("sendMessage");
    const init = typeof message === "string" ? { content: message } : message;
    const built = userMessage(
      {
        ...init,
        conversationId:
          options.conversationId ?? (init.conversationId || this.ledger.newConversationId()),
      },
      this.options,
    );
    const turn = this.ledger.startTurn(built, streamId);
    this.ledger.send("sendMessage", incomingMessageFrame(built));
    return turn;
  }

  stop(conversationId: string, reason = "", target?: FeedbackTarget): void {
    const responseId = this.ledger.targetResponseId(conversationId, target);
    const turn = this.ledger.turnById(responseId);
    this.sendFeedback({
      conversationId,
      responseId,
      feedback: { case: "streamControl", value: { action: StreamControl_Action.STOP, reason } },
    });
    if (turn !== undefined) turn.stopped = true;
  }

  react(
    conversationId: string,
    reaction: MessageInitShape<typeof MessageReactionSchema>,
    target?: FeedbackTarget,
  ): void {
    this.sendFeedback({
      conversationId,
      responseId: this.ledger.targetResponseId(conversationId, target),
      feedback: { case: "reaction", value: { added: true, ...reaction } },
    });
  }

  answerRenderable(conversationId: string, renderableId: string, answer: RenderableAnswer): void {
    const asked = this.ledger
      .framesOf(conversationId)
      .find((f) => f.payload.case === "renderable" && f.payload.value.id === renderableId);
    const responseId =
      answer.responseId ?? asked?.responseId ?? this.ledger.targetResponseId(conversationId);
    this.sendFeedback({
      conversationId,
      responseId,
      feedback: {
        case: "renderableResponse",
        value: {
          id: renderableId,
          action: answer.action,
          contentJson: answer.contentJson ?? "",
          text: answer.text ?? "",
        },
      },
    });
  }

  sendFeedback(feedback: MessageInitShape<typeof PlatformFeedbackSchema>): void {
    this.ledger.send("sendFeedback", feedbackFrame(feedback, this.options));
  }

  sendAudio(
    conversationId: string,
    chunks: readonly Uint8Array[],
    config: MessageInitShape<typeof AudioStreamConfigSchema> = {},
    options: SendAudioOptions = {},
  ): FakeAudioSend {
    const streamId = this.ledger.requireAgent("sendAudio");
    const voice = voiceMessage(
      {
        conversationId,
        chunks,
        config: {
          encoding: AudioEncoding.WEBM_OPUS,
          sampleRate: 48_000,
          channels: 1,
          source: this.options.platform,
          ...config,
        },
        doneOnLastChunk: options.doneOnLastChunk,
        placeholder: options.placeholder === true,
        ...(options.responseId === undefined ? {} : { messageId: options.responseId }),
      },
      this.options,
    );
    const placeholder = voice.placeholder && this.ledger.startTurn(voice.placeholder, streamId);
    this.ledger.send("sendAudio", ...voice.frames);
    return { conversationId, responseId: voice.messageId, placeholder };
  }

  sendFrame(frame: AgentResponseFrameInit): void {
    this.ledger.send("sendFrame", create(AgentResponseSchema, frame));
  }

  disconnect(): void {
    this.ledger.failStreams("the fake sidecar dropped the agent's stream");
  }
}
