/**
 * agentwire: the typed client an agent uses to talk to its messaging sidecar.
 *
 * @module
 */

export type {
  AudioDemux,
  AudioDemuxEvents,
  AudioDemuxOptions,
  AudioFiletype,
  AudioInput,
  AudioInputState,
  AudioInputsOptions,
  AudioStreamErrorKind,
  CollectOptions,
  ResolvedAudioDemuxOptions,
} from "./audio/index.js";
// Incoming audio.
export {
  AudioStreamError,
  audioEncodingToFiletype,
  audioPlaceholderContent,
  createAudioDemux,
  isAudioPlaceholder,
  resolveAudioDemuxOptions,
} from "./audio/index.js";
// The connection and the unary calls.
export { defaultSidecarAddress, resolveSidecarUrl } from "./client/address.js";
export type {
  AgentClient,
  AgentClientOptions,
  CallOptions,
  ResolvedAgentClientOptions,
} from "./client/agent-client.js";
export {
  createAgentClient,
  defaultMaxFrameBytes,
  resolveAgentClientOptions,
} from "./client/agent-client.js";
export type { BackoffOptions } from "./client/backoff.js";
export { backoffDelayMs } from "./client/backoff.js";
export type { AgentwireErrorReason } from "./client/errors.js";
// Errors and retries.
export { AgentwireError } from "./client/errors.js";
export type { RetryContext } from "./client/retry.js";
export { defaultRetryableCodes, isRetryable } from "./client/retry.js";
export type { SidecarConnection } from "./client/transport.js";
export type { WaitForReadyOptions } from "./client/wait-for-ready.js";
export { waitForReady } from "./client/wait-for-ready.js";
export type {
  AgentResponseCase,
  AgentResponsePayloadInit,
  AudioStreamRequestCase,
  ContentFrameExtras,
  ConversationMetadataRequestCase,
  ConversationRequestCase,
  ErrorFrameInit,
  InboundPayloadCase,
  NoExtraHandlers,
  Oneof,
  OneofCase,
  OneofHandlers,
  OneofHandlersResult,
  OneofSelected,
  OneofSet,
  OneofValue,
  OutboundPayloadCase,
  PartialOneofHandlers,
  PlatformFeedbackCase,
  ReplyAddress,
  ResponseAttachmentCase,
  StatusFrameOptions,
  TranscriptFrameOptions,
  UnhandledOneof,
} from "./oneof/index.js";
// Oneof helpers and reply frames.
export {
  assertCase,
  caseValue,
  configFrame,
  contentFrame,
  errorFrame,
  isCase,
  match,
  matchPartial,
  OneofCaseError,
  promptsFrame,
  renderableFrame,
  requireCase,
  responseFrame,
  statusFrame,
  threadMetadataFrame,
  transcriptFrame,
} from "./oneof/index.js";
// The conversation session.
export { createSession } from "./session/create-session.js";
export { reportOutages } from "./session/outage-report.js";
export type {
  AgentResponseInit,
  CloseOptions,
  ConversationRequestInit,
  LostTurn,
  SendOptions,
  Session,
  SessionEvents,
  SessionState,
  SessionStateChange,
} from "./session/session-interface.js";
export type {
  AgentConfigInit,
  AgentConfigSource,
  SessionOptions,
} from "./session/session-options.js";
export { resolveSessionOptions } from "./session/session-options.js";
export type {
  ErrorCodeName,
  FailOptions,
  FeedbackContext,
  FeedbackKind,
  FinishOptions,
  PromptInput,
  RenderActionName,
  RenderRequest,
  RenderResult,
  ResolvedServeOptions,
  ServeHandle,
  ServeHandlers,
  ServeOptions,
  StatusKind,
  Turn,
  TurnAbortReason,
  TurnAttachment,
  TurnHandlerResult,
  TurnState,
  TurnsOptions,
} from "./turn/index.js";
// Turns: one message and its reply, and the routers that run them.
export {
  createTraceparent,
  feedbackKind,
  isValidTraceparent,
  resolveServeOptions,
  serve,
  turns,
} from "./turn/index.js";
