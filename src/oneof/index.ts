/**
 * Helpers for protobuf-es oneofs: exhaustive matching, type guards, the case
 * names as string-literal unions, and builders for the frames an agent sends.
 *
 * @module
 */
export { OneofCaseError } from "./errors.js";
export type {
  AgentResponsePayloadInit,
  ContentFrameExtras,
  ErrorFrameInit,
  ReplyAddress,
  StatusFrameOptions,
  TranscriptFrameOptions,
} from "./frames.js";
export {
  configFrame,
  contentFrame,
  errorFrame,
  promptsFrame,
  renderableFrame,
  responseFrame,
  statusFrame,
  threadMetadataFrame,
  transcriptFrame,
} from "./frames.js";
export { assertCase, caseValue, isCase, requireCase } from "./guards.js";
export type {
  NoExtraHandlers,
  OneofHandlers,
  OneofHandlersResult,
  PartialOneofHandlers,
  UnhandledOneof,
} from "./match.js";
export { match, matchPartial } from "./match.js";
export type {
  AgentResponseCase,
  AudioStreamRequestCase,
  ConversationMetadataRequestCase,
  ConversationRequestCase,
  InboundPayloadCase,
  Oneof,
  OneofCase,
  OneofSelected,
  OneofSet,
  OneofValue,
  OutboundPayloadCase,
  PlatformFeedbackCase,
  ResponseAttachmentCase,
} from "./types.js";
