/**
 * agentwire/mailbox: the typed mailbox client an agent uses to send and
 * receive mail, push included (`watch`), over the generated MailboxService
 * client. It loads no server code and no storage driver.
 *
 * @module
 */

export type { AgentwireErrorReason } from "../../client/errors.js";
export { AgentwireError } from "../../client/errors.js";
export type {
  HandoffOptions,
  JsonObject,
  JsonValue,
  MailboxPage,
  MailCallOptions,
  MailContext,
  MailDelivery,
  MailMessage,
  MailRole,
  MailThread,
  MarkReadOptions,
  ParticipantRole,
  Received,
  ReceiveOptions,
  ReplyOptions,
  SendOptions,
  SendReceipt,
  Seq,
  SeqInput,
  SyncOptions,
  ThreadSummary,
  ThreadsOptions,
  UnreadOptions,
} from "./mail-types.js";
export type { Mailbox, Registration } from "./mailbox-client.js";
export { createMailbox } from "./mailbox-client.js";
export type {
  MailboxOptions,
  MailboxProtocol,
  ResolvedMailboxOptions,
} from "./mailbox-options.js";
export { resolveMailboxOptions } from "./mailbox-options.js";
export type {
  InvalidDelivery,
  MailboxWatch,
  WatchEvents,
  WatchOptions,
  WatchState,
  WatchStateChange,
} from "./mailbox-watch.js";
