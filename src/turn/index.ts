/**
 * Turns: one user message and the agent's reply, with the protocol's rules
 * (START first, one terminal frame, nothing after a stop, trace context on
 * every frame) built in, and the routers that hand turns to agent code.
 *
 * @module
 */
export type { FeedbackKind } from "./feedback-kind.js";
export { feedbackKind } from "./feedback-kind.js";
export type {
  FeedbackContext,
  ResolvedServeOptions,
  ServeHandle,
  ServeHandlers,
  ServeOptions,
  TurnHandlerResult,
} from "./serve.js";
export { resolveServeOptions, serve } from "./serve.js";
export { createTraceparent, isValidTraceparent } from "./trace-context.js";
export type {
  ErrorCodeName,
  FailOptions,
  FinishOptions,
  PromptInput,
  RenderActionName,
  RenderRequest,
  RenderResult,
  StatusKind,
  Turn,
  TurnAbortReason,
  TurnAttachment,
  TurnState,
} from "./turn-interface.js";
export type { TurnsOptions } from "./turns-loop.js";
export { turns } from "./turns-loop.js";
