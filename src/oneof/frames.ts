import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type AgentConfig,
  type AgentConfigSchema,
  type AgentResponse,
  type AgentResponseSchema,
  type ContentChunk_ChunkType,
  type ConversationRequest,
  ConversationRequestSchema,
  type ErrorResponse_ErrorCode,
  type MessageOptions,
  type MessageOptionsSchema,
  type Renderable,
  type RenderableSchema,
  type ResponseAttachment,
  type ResponseAttachmentSchema,
  type StatusUpdate_Status,
  type SuggestedPrompts_Prompt,
  type SuggestedPrompts_PromptSchema,
  type ThreadMetadata,
  type ThreadMetadataSchema,
  type TraceContext,
  type TraceContextSchema,
} from "../schema/index.js";

/**
 * Where a reply frame goes: the conversation and the response it answers,
 * plus optional W3C trace context; an inbound `AgentResponse` fits as is, so
 * a reply can be addressed with the frame it answers.
 */
export interface ReplyAddress {
  /** The conversation the sidecar routes the reply to. */
  readonly conversationId: string;
  /** The id of the response being answered, echoed so the platform can correlate frames. */
  readonly responseId: string;
  /** Trace context carried in the frame, because the sidecar reads no gRPC metadata. */
  readonly traceContext?: TraceContext | MessageInitShape<typeof TraceContextSchema> | undefined;
}

/** Any set case of `AgentResponse.payload` in the form `create()` accepts, values as messages or init objects. */
export type AgentResponsePayloadInit = Exclude<
  NonNullable<Exclude<MessageInitShape<typeof AgentResponseSchema>, AgentResponse>["payload"]>,
  { case: undefined }
>;

/** Optional fields of a content frame besides its type and text. */
export interface ContentFrameExtras {
  /** Images, files, cards or link previews to show with the reply, typically on END. */
  readonly attachments?: Array<
    ResponseAttachment | MessageInitShape<typeof ResponseAttachmentSchema>
  >;
  /** The platform's id for the message this chunk belongs to, when the agent knows it. */
  readonly platformMessageId?: string;
  /** Delivery options such as ephemeral, silent or replying in a thread. */
  readonly options?: MessageOptions | MessageInitShape<typeof MessageOptionsSchema>;
}

/** Optional fields of a status frame besides the status itself. */
export interface StatusFrameOptions {
  /** The text shown for the status, used with `CUSTOM`. */
  readonly customMessage?: string;
  /** An emoji shown with the status. */
  readonly emoji?: string;
}

/** The fields of an error frame, the terminal frame of a failed turn. */
export interface ErrorFrameInit {
  /** The kind of failure. */
  readonly code: ErrorResponse_ErrorCode;
  /** A message the user may see. */
  readonly message: string;
  /** More detail for logs and developers. */
  readonly details?: string;
  /** Whether asking again may succeed. */
  readonly retryable?: boolean;
}

/** Optional fields of a transcript frame besides its text. */
export interface TranscriptFrameOptions {
  /** The id of the message the audio belonged to. */
  readonly messageId?: string;
  /** The language recognised, as a BCP-47 tag. */
  readonly language?: string;
}

/**
 * Builds the `agent_config` frame, which must be the first write on every
 * conversation stream (after every reconnect too) so the sidecar registers it.
 */
export function configFrame(
  config: AgentConfig | MessageInitShape<typeof AgentConfigSchema>,
): ConversationRequest {
  return create(ConversationRequestSchema, { request: { case: "agentConfig", value: config } });
}

/** Builds an `agent_response` frame carrying any payload case, addressed to a conversation and response. */
export function responseFrame(
  address: ReplyAddress,
  payload: AgentResponsePayloadInit,
): ConversationRequest {
  return create(ConversationRequestSchema, {
    request: {
      case: "agentResponse",
      value: {
        conversationId: address.conversationId,
        responseId: address.responseId,
        traceContext: address.traceContext,
        payload,
      },
    },
  });
}

/** Builds a content frame (START, DELTA, END or REPLACE) with its text and optional extras. */
export function contentFrame(
  address: ReplyAddress,
  type: ContentChunk_ChunkType,
  text: string,
  extras: ContentFrameExtras = {},
): ConversationRequest {
  return responseFrame(address, {
    case: "content",
    value: {
      type,
      content: text,
      attachments: extras.attachments,
      platformMessageId: extras.platformMessageId,
      options: extras.options,
    },
  });
}

/** Builds a status frame telling the user what the agent is doing; it also keeps a long turn alive. */
export function statusFrame(
  address: ReplyAddress,
  status: StatusUpdate_Status,
  options: StatusFrameOptions = {},
): ConversationRequest {
  return responseFrame(address, {
    case: "status",
    value: { status, customMessage: options.customMessage, emoji: options.emoji },
  });
}

/** Builds an error frame, the terminal frame of a failed turn sent instead of END. */
export function errorFrame(address: ReplyAddress, error: ErrorFrameInit): ConversationRequest {
  return responseFrame(address, {
    case: "error",
    value: {
      code: error.code,
      message: error.message,
      details: error.details,
      retryable: error.retryable,
    },
  });
}

/** Builds a frame of suggested prompts the user may pick next. */
export function promptsFrame(
  address: ReplyAddress,
  prompts: Array<SuggestedPrompts_Prompt | MessageInitShape<typeof SuggestedPrompts_PromptSchema>>,
): ConversationRequest {
  return responseFrame(address, { case: "prompts", value: { prompts } });
}

/** Builds a renderable frame: a form for the user to fill in, which pauses the turn. */
export function renderableFrame(
  address: ReplyAddress,
  renderable: Renderable | MessageInitShape<typeof RenderableSchema>,
): ConversationRequest {
  return responseFrame(address, { case: "renderable", value: renderable });
}

/** Builds a thread-metadata frame that sets a title or asks for a new thread. */
export function threadMetadataFrame(
  address: ReplyAddress,
  metadata: ThreadMetadata | MessageInitShape<typeof ThreadMetadataSchema>,
): ConversationRequest {
  return responseFrame(address, { case: "threadMetadata", value: metadata });
}

/** Builds a transcript frame with the text recognised from the user's audio. */
export function transcriptFrame(
  address: ReplyAddress,
  text: string,
  options: TranscriptFrameOptions = {},
): ConversationRequest {
  return responseFrame(address, {
    case: "transcript",
    value: { text, messageId: options.messageId, language: options.language },
  });
}
