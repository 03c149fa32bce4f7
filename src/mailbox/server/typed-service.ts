/**
 * The typed `agentwire.mailbox.v1.MailboxService` over the mailbox core.
 *
 * @module
 */
import type { ConnectRouter } from "@connectrpc/connect";
import type { MailboxServerParts } from "./route-context.js";

/** Registers the typed service on a Connect router. */
export function registerMailboxService(_router: ConnectRouter, _parts: MailboxServerParts): void {}
