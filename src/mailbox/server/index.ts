/**
 * `agentwire/mailbox-server`: the mailbox server (the AgentMailbox HTTP
 * routes, SSE push and the typed `agentwire.mailbox.v1.MailboxService` on one
 * port), its options, its CLI, and the generated service for clients.
 *
 * @module
 */
export * from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
export * from "../../../gen/agentwire/mailbox/v1/service_pb.js";
export type { SummarizeInput, SummarizeResult, Summarizer } from "../core/core-options.js";
// The JSON domain (the generated messages keep the shared names: Delivery, ContextFrame, ...).
export type {
  DeliveryFrame,
  JsonObject,
  JsonValue,
  MailboxCore,
  MailboxPage,
  MailContext,
  MailMessage,
  MailRole,
  MailThread,
  ReplyAllInput,
  SendInput,
  SendResult,
} from "../core/mailbox-types.js";
export { CLI_USAGE as MAILBOX_CLI_USAGE, main as mailboxMain } from "./cli.js";
export {
  createMailboxServer,
  type MailboxServer,
  type MailboxServerAddress,
} from "./mailbox-server.js";
export type { MailboxCoreSettings } from "./open-core.js";
export {
  isLoopbackHost,
  type MailboxAuthMode,
  type MailboxServerOptions,
  type ResolvedMailboxServerOptions,
  resolveMailboxServerOptions,
} from "./server-options.js";
