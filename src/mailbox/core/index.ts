/**
 * The mailbox core: the domain types, `createMailboxCore` and its options,
 * the views (bcc stripping, the AgentMailbox HTTP JSON), the wake hub and the
 * errors. Loads no storage driver.
 *
 * @module
 */
export type {
  MailboxCoreOptions,
  ResolvedMailboxCoreOptions,
  SummarizeInput,
  SummarizeResult,
  Summarizer,
} from "./core-options.js";
export { resolveMailboxCoreOptions } from "./core-options.js";
export type { LegacyContext, LegacyMessage, LegacyThread } from "./legacy-view.js";
export {
  legacyContext,
  legacyContextBytes,
  legacyMessage,
  legacyThread,
  legacyUnreadChunks,
  legacyUnreadJson,
} from "./legacy-view.js";
export { createMailboxCore } from "./mailbox-core.js";
export {
  forbidden,
  invalidArgument,
  notFound,
  tooLarge,
  unavailable,
} from "./mailbox-errors.js";
export type * from "./mailbox-types.js";
export {
  fromValue,
  handoffInput,
  protoContext,
  protoDelivery,
  protoMailboxResponse,
  protoMessage,
  protoParticipant,
  protoReplyAllResponse,
  protoSendResponse,
  protoSummary,
  protoThread,
  protoUnreadResponse,
  recentOption,
  replyAllInput,
  sendInput,
  toValue,
} from "./proto-view.js";
export { toContextFrame } from "./views.js";
export { createWakeHub, type WakeHub } from "./wake-hub.js";
export { type WatchEvent, type WatchOptions, watchDeliveries } from "./watch.js";
