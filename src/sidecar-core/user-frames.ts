/**
 * The frames a sidecar sends an agent for what a user did: a user message
 * (`incoming_message`), feedback, and a voice message (audio config, numbered chunks
 * ending with `done`, then the "[audio]" placeholder message with the same
 * id, the order a deployed web sidecar uses, spec item 5).
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { audioPlaceholderContent } from "../audio/audio-filetype.js";
import {
  type AgentResponse,
  AgentResponseSchema,
  type AudioStreamConfigSchema,
  type Message,
  MessageSchema,
  PlatformContext_EventKind,
  PlatformContextSchema,
  PlatformFeedbackSchema,
  UserSchema,
} from "../schema/index.js";

/** The local session user of a web chat (spec: web chat of a sidecar). */
export const ANONYMOUS_USER = { id: "anonymous", username: "Anonymous User" } as const;

/** Who a sidecar's user frames come from, where the caller did not say. */
export interface UserFrameDefaults {
  /** The platform name, e.g. `web`. */
  readonly platform: string;
  /** The user. */
  readonly user: MessageInitShape<typeof UserSchema>;
}

/**
 * A user message as a sidecar delivers it: the fields given, with a fresh id,
 * the platform, a timestamp, the user and a DM platform context (message id,
 * channel = conversation, `user_id`) filled in where missing.
 */
export function userMessage(
  init: MessageInitShape<typeof MessageSchema>,
  defaults: UserFrameDefaults,
): Message {
  const message = clone(MessageSchema, create(MessageSchema, init));
  message.id ||= randomUUID();
  message.platform ||= defaults.platform;
  message.timestamp ??= timestampNow();
  message.user ??= create(UserSchema, defaults.user);
  message.platformContext ??= create(PlatformContextSchema, {
    messageId: message.id,
    channelId: message.conversationId,
    eventKind: PlatformContext_EventKind.DM,
    userId: message.user.id,
  });
  return message;
}

/** The `incoming_message` frame of a user message; its `response_id` is the message id. */
export function incomingMessageFrame(message: Message): AgentResponse {
  return create(AgentResponseSchema, {
    conversationId: message.conversationId,
    responseId: message.id,
    payload: { case: "incomingMessage", value: message },
  });
}

/**
 * The `feedback` frame of a user's feedback (a STOP, a reaction, a form
 * answer): the fields given, with a timestamp and the user filled in where
 * missing; the frame carries the feedback's conversation and response ids.
 */
export function feedbackFrame(
  init: MessageInitShape<typeof PlatformFeedbackSchema>,
  defaults: UserFrameDefaults,
): AgentResponse {
  const value = clone(PlatformFeedbackSchema, create(PlatformFeedbackSchema, init));
  value.timestamp ??= timestampNow();
  value.user ??= create(UserSchema, defaults.user);
  return create(AgentResponseSchema, {
    conversationId: value.conversationId,
    responseId: value.responseId,
    payload: { case: "feedback", value },
  });
}

/** What a voice message is made of. */
export interface VoiceMessageInit {
  /** The conversation. */
  readonly conversationId: string;
  /** The placeholder message's id, also the `response_id` of every frame (default a new UUID). */
  readonly messageId?: string;
  /** The recording, one `audio_chunk` each. */
  readonly chunks: readonly Uint8Array[];
  /** The stream's config; `conversation_id` is set, `user_id` defaults to the user's. */
  readonly config: MessageInitShape<typeof AudioStreamConfigSchema>;
  /** Set `done` on the last data chunk instead of sending an empty final chunk (default false). */
  readonly doneOnLastChunk?: boolean;
  /** Send the "[audio]" placeholder message after the audio (default true). */
  readonly placeholder?: boolean;
}

/** The frames of a voice message and its placeholder message. */
export interface VoiceMessage {
  /** The `response_id` of every frame: the placeholder message's id. */
  readonly messageId: string;
  /** audio_config, audio_chunk 1..n (the last `done`), then incoming_message "[audio]". */
  readonly frames: AgentResponse[];
  /** The placeholder message, when one is sent. */
  readonly placeholder: Message | undefined;
}

/**
 * A voice message built frame by frame as its audio arrives (live audio):
 * the config first, then each chunk numbered from 1, then the end.
 */
export interface VoiceStream {
  /** The `response_id` of every frame: the placeholder message's id. */
  readonly messageId: string;
  /** The `audio_config` frame; `conversation_id` is set, `user_id` defaults to the user's. */
  config(config: MessageInitShape<typeof AudioStreamConfigSchema>): AgentResponse;
  /** The next `audio_chunk` frame (`sequence` counts up from 1). */
  chunk(data: Uint8Array, done?: boolean): AgentResponse;
  /** The placeholder message "[audio]" with the voice message's id. */
  placeholder(): Message;
}

/** Starts a {@link VoiceStream} for `conversationId` (message id default a new UUID). */
export function voiceStream(
  conversationId: string,
  defaults: UserFrameDefaults,
  messageId: string = randomUUID(),
): VoiceStream {
  const frame = (payload: MessageInitShape<typeof AgentResponseSchema>["payload"]) =>
    create(AgentResponseSchema, { conversationId, responseId: messageId, payload });
  let sequence = 1n;
  return {
    messageId,
    config(config) {
      const userId = config.userId || defaults.user.id || "";
      return frame({ case: "audioConfig", value: { ...config, conversationId, userId } });
    },
    chunk(data, done = false) {
      return frame({ case: "audioChunk", value: { data, sequence: sequence++, done } });
    },
    placeholder: () =>
      userMessage({ id: messageId, conversationId, content: audioPlaceholderContent }, defaults),
  };
}

/** Builds the frames a sidecar sends for one recording. */
export function voiceMessage(init: VoiceMessageInit, defaults: UserFrameDefaults): VoiceMessage {
  const { chunks } = init;
  const stream = voiceStream(init.conversationId, defaults, init.messageId);
  const frames = [stream.config(init.config)];
  const doneOnLast = init.doneOnLastChunk === true && chunks.length > 0;
  chunks.forEach((data, i) => {
    frames.push(stream.chunk(data, doneOnLast && i === chunks.length - 1));
  });
  if (!doneOnLast) frames.push(stream.chunk(new Uint8Array(0), true));
  const placeholder = init.placeholder === false ? undefined : stream.placeholder();
  if (placeholder) frames.push(incomingMessageFrame(placeholder));
  return { messageId: stream.messageId, frames, placeholder };
}
