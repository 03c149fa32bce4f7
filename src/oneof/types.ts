import type {
  AgentResponse,
  AudioStreamRequest,
  ConversationMetadataRequest,
  ConversationRequest,
  PlatformFeedback,
  ResponseAttachment,
} from "../schema/index.js";

/**
 * The shape protobuf-es v2 generates for every oneof: one `{case, value}`
 * member per field plus `{case: undefined}` for "nothing set", so any oneof
 * field of any generated message fits here.
 */
export type Oneof =
  | { readonly case: string; readonly value: unknown }
  | { readonly case: undefined; readonly value?: undefined };

/** The case names a oneof type can hold, without the unset `undefined`. */
export type OneofCase<T extends Oneof> = Exclude<T["case"], undefined>;

/** The member of a oneof union whose `case` is `K`, i.e. the oneof narrowed to `K`. */
export type OneofSelected<T extends Oneof, K extends OneofCase<T>> = Extract<T, { case: K }>;

/** The type of the value a oneof holds when its `case` is `K`. */
export type OneofValue<T extends Oneof, K extends OneofCase<T>> = OneofSelected<T, K>["value"];

/** The oneof union without its unset member, for code that has already handled "nothing set". */
export type OneofSet<T extends Oneof> = Exclude<T, { case: undefined }>;

/** The cases of `AgentResponse.payload`, the frame the sidecar sends and the agent answers with. */
export type AgentResponseCase = OneofCase<AgentResponse["payload"]>;

/** The cases of `ConversationRequest.request`, the frame an agent writes on its stream. */
export type ConversationRequestCase = OneofCase<ConversationRequest["request"]>;

/** The cases of `PlatformFeedback.feedback`, the user actions other than messages. */
export type PlatformFeedbackCase = OneofCase<PlatformFeedback["feedback"]>;

/** The cases of `ResponseAttachment.attachmentType`, the kinds of attachment a reply can carry. */
export type ResponseAttachmentCase = OneofCase<ResponseAttachment["attachmentType"]>;

/** The cases of `AudioStreamRequest.request`, the frames of an audio stream. */
export type AudioStreamRequestCase = OneofCase<AudioStreamRequest["request"]>;

/** The cases of `ConversationMetadataRequest.identifier`, the ways to name a conversation. */
export type ConversationMetadataRequestCase = OneofCase<ConversationMetadataRequest["identifier"]>;

/**
 * The `AgentResponse.payload` cases a sidecar sends to its agent, so inbound
 * dispatch can name exactly the frames it must handle.
 */
export type InboundPayloadCase = Extract<
  AgentResponseCase,
  "incomingMessage" | "feedback" | "audioConfig" | "audioChunk"
>;

/** The `AgentResponse.payload` cases an agent sends to its sidecar as parts of a reply. */
export type OutboundPayloadCase = Exclude<AgentResponseCase, InboundPayloadCase>;
