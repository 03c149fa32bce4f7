/**
 * `agentwire/mailbox-server`: the mailbox server (the AgentMailbox HTTP
 * routes, SSE push and the typed `agentwire.mailbox.v1.MailboxService` on one
 * port), its options, its CLI, the stores and core to assemble one by hand,
 * and the generated service for clients. Importing it loads no database
 * driver: better-sqlite3 or pg is loaded when a store of its backend opens.
 *
 * @module
 */
export * from "../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
export * from "../../../gen/agentwire/mailbox/v1/service_pb.js";
export type {
  MailboxCoreOptions,
  SummarizeInput,
  SummarizeResult,
  Summarizer,
} from "../core/core-options.js";
export { createMailboxCore } from "../core/mailbox-core.js";
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
export type { MailboxStore } from "../store/mailbox-store.js";
export { type OpenMailboxStoreOptions, openMailboxStore } from "../store/open-store.js";
export {
  createPostgresMailboxStore,
  type PostgresMailboxStore,
  type PostgresMailboxStoreOptions,
} from "../store/postgres-store.js";
export {
  createSqliteMailboxStore,
  type SqliteMailboxStoreOptions,
  type SqliteSynchronous,
} from "../store/sqlite-store.js";
export { CLI_USAGE as MAILBOX_CLI_USAGE, main as mailboxMain } from "./cli.js";
export {
  createMailboxServer,
  type MailboxServer,
  type MailboxServerAddress,
} from "./mailbox-server.js";
export type { MailboxCoreSettings, MailboxStoreSettings } from "./open-core.js";
export {
  isLoopbackHost,
  type MailboxAuthMode,
  type MailboxServerOptions,
  type ResolvedMailboxServerOptions,
  resolveMailboxServerOptions,
} from "./server-options.js";
