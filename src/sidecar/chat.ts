/**
 * The web chat's core: user messages, stops, form answers and audio going to
 * the agent, and the agent's reply frames coming back as SSE events, with
 * turn tracking (one user message and its reply) per conversation.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type AgentResponse,
  type Attachment,
  ContentChunk_ChunkType,
  type PlatformFeedbackSchema,
  type RenderableAction,
  StreamControl_Action,
} from "../schema/index.js";
import type { AgentLink } from "../sidecar-core/agent-link.js";
import {
  ANONYMOUS_USER,
  feedbackFrame,
  incomingMessageFrame,
  userMessage,
} from "../sidecar-core/user-frames.js";
import {
  type Conversation,
  type ConversationStore,
  type Turn,
  WEB_PLATFORM,
} from "./conversations.js";
import { frameToEvent } from "./frame-events.js";
import type { SseHub } from "./sse.js";

type FeedbackInit = MessageInitShape<typeof PlatformFeedbackSchema>;

/** Who the web chat's messages come from. */
export const WEB_USER_DEFAULTS = { platform: WEB_PLATFORM, user: ANONYMOUS_USER } as const;

/** The author recorded in history for agent replies. */
export const AGENT_USER = { id: "agent", username: "Agent" } as const;

/** Outcome of a web send: accepted, or why not. */
export type SendResult =
  | { readonly kind: "sent"; readonly messageId: string; readonly timestamp: Date }
  | { readonly kind: "no_agent" }
  | { readonly kind: "turn_in_progress" };

/** Why a turn cannot start now: no agent, or the conversation's turn still runs. */
export type Refusal = Exclude<SendResult, { readonly kind: "sent" }>;

/** A user's answer to a renderable form. */
export interface RenderableAnswer {
  /** SUBMIT, CANCEL, DECLINE, ... */
  readonly action: RenderableAction;
  /** The form's data as JSON, for SUBMIT. */
  readonly contentJson: string;
  /** Free text, for RESPOND. */
  readonly text: string;
}

/** The web chat core, wired between the SSE hub, the store and the agent link. */
export interface Chat {
  /** Why a turn cannot start in `conversation` now (publishing the error event of a missing agent), or undefined. */
  refusal(conversation: Conversation): Refusal | undefined;
  /** Forwards a user message as `incoming_message` and starts a turn. */
  sendMessage(conversation: Conversation, content: string, attachments: Attachment[]): SendResult;
  /** Finishes the turn, closes the conversation's SSE connections and sends STOP to the agent. */
  cancel(conversation: Conversation): void;
  /** Forwards a form answer as `feedback.renderable_response`; false when no agent is connected. */
  answerRenderable(conversation: Conversation, id: string, answer: RenderableAnswer): boolean;
  /** Starts a turn for user message `messageId`: sends `frames` to the agent and records `content` in history. */
  sendTurn(
    conversation: Conversation,
    messageId: string,
    frames: AgentResponse[],
    content: string,
  ): SendResult;
  /** Routes one reply frame from the agent by `conversation_id`. */
  handleFrame(frame: AgentResponse): void;
  /** Fails every running turn: the agent stream ended (spec item 7). */
  handleAgentGone(): void;
  /** Fails a turn the agent left idle too long (spec item 12). */
  handleTurnIdle(conversation: Conversation, turn: Turn): void;
}

/** Parts the chat core works with. */
export interface ChatParts {
  /** Conversations and turns. */
  readonly store: ConversationStore;
  /** SSE connections. */
  readonly hub: SseHub;
  /** The agent stream. */
  readonly link: AgentLink;
  /** Idle timeout, for the timeout error message. */
  readonly turnIdleTimeoutMs: number;
}

/** Creates the {@link Chat} core. */
export function createChat({ store, hub, link, turnIdleTimeoutMs }: ChatParts): Chat {
  function feedback(conversation: Conversation, init: FeedbackInit) {
    const responseId = init.responseId ?? conversation.turn?.responseId ?? conversation.replyId;
    return feedbackFrame(
      { ...init, conversationId: conversation.id, responseId },
      WEB_USER_DEFAULTS,
    );
  }

  function unavailable(conversationId: string, message: string): void {
    hub.publish(conversationId, "error", { code: "AGENT_UNAVAILABLE", message, retryable: true });
  }

  function finishReply(conversation: Conversation, responseId: string, stopped = false): void {
    conversation.history.push({
      messageId: conversation.replyId || responseId || randomUUID(),
      role: "agent",
      userId: AGENT_USER.id,
      username: AGENT_USER.username,
      content: conversation.replyText,
      timestamp: new Date(),
      ...(stopped ? { stopped } : {}),
    });
    conversation.replyText = "";
  }

  const chat: Chat = {
    refusal(conversation) {
      if (!link.connected) {
        unavailable(conversation.id, "no agent is connected to the sidecar");
        return { kind: "no_agent" };
      }
      if (conversation.turn) return { kind: "turn_in_progress" };
      return undefined;
    },
    sendTurn(conversation, messageId, frames, content) {
      const refused = chat.refusal(conversation);
      if (refused !== undefined) return refused;
      hub.resetBuffer(conversation.id);
      store.beginTurn(conversation, messageId);
      for (const frame of frames) link.send(frame);
      const timestamp = new Date();
      conversation.history.push({
        messageId,
        role: "user",
        userId: ANONYMOUS_USER.id,
        username: ANONYMOUS_USER.username,
        content,
        timestamp,
      });
      return { kind: "sent", messageId, timestamp };
    },
    sendMessage(conversation, content, attachments) {
      const message = userMessage(
        { conversationId: conversation.id, content, attachments },
        WEB_USER_DEFAULTS,
      );
      return chat.sendTurn(conversation, message.id, [incomingMessageFrame(message)], content);
    },
    cancel(conversation) {
      const turn = store.endTurn(conversation);
      const responseId = turn?.responseId ?? conversation.replyId;
      hub.publish(conversation.id, "finish", responseId ? { response_id: responseId } : {});
      hub.closeConversation(conversation.id);
      conversation.dropUntilStart = true;
      if (conversation.replyText) finishReply(conversation, responseId, true);
      const stop = { action: StreamControl_Action.STOP, reason: "user_cancelled" };
      link.send(
        feedback(conversation, { responseId, feedback: { case: "streamControl", value: stop } }),
      );
    },
    answerRenderable(conversation, id, answer) {
      if (!link.connected) return false;
      store.touch(conversation);
      const value = { id, ...answer };
      return link.send(feedback(conversation, { feedback: { case: "renderableResponse", value } }));
    },
    handleFrame(frame) {
      const conversation = store.get(frame.conversationId);
      if (!conversation) return; // replies are routed by conversation_id only
      store.touch(conversation);
      const p = frame.payload;
      if (p.case === "content") {
        const type = p.value.type;
        if (type === ContentChunk_ChunkType.START) {
          conversation.dropUntilStart = false;
          conversation.replyText = "";
          conversation.replyId = frame.responseId;
        } else if (conversation.dropUntilStart) {
          return; // spec item 10: after a stop, content waits for the next START
        }
        if (type === ContentChunk_ChunkType.REPLACE) conversation.replyText = p.value.content;
        else conversation.replyText += p.value.content;
      }
      const event = frameToEvent(frame);
      if (!event) return;
      hub.publish(conversation.id, event.event, event.data);
      if (p.case === "renderable") store.pause(conversation);
      if (p.case === "content" && p.value.type === ContentChunk_ChunkType.END) {
        finishReply(conversation, frame.responseId);
        store.endTurn(conversation);
        hub.publish(
          conversation.id,
          "finish",
          frame.responseId ? { response_id: frame.responseId } : {},
        );
      } else if (p.case === "error") {
        conversation.replyText = "";
        store.endTurn(conversation);
      }
    },
    handleAgentGone() {
      for (const conversation of store.list()) {
        if (!store.endTurn(conversation)) continue;
        conversation.replyText = "";
        unavailable(conversation.id, "the agent disconnected during the turn");
      }
    },
    handleTurnIdle(conversation) {
      conversation.replyText = "";
      hub.publish(conversation.id, "error", {
        code: "TIMEOUT",
        message: `the agent sent nothing for ${Math.round(turnIdleTimeoutMs / 1000)} s`,
        retryable: true,
      });
    },
  };
  return chat;
}
