import { assertArgument } from "../../client/errors.js";
import type { Mailbox } from "../client/mailbox-client.js";

/** Options of `createMailboxMcpServer`. */
export interface MailboxMcpOptions {
  /** The typed mailbox client of the agent the MCP server acts as (see `createMailbox`). */
  mailbox: Mailbox;
  /** Recent messages each context carries when a tool call gives no `recent`, 1 to 50 (default 3: compact for a model). */
  recent?: number;
  /** Characters of each payload shown in a tool's text digest (the structured result is whole), at least 20 (default 500). */
  previewChars?: number;
  /** Where diagnostics go (default: stderr; stdout is the protocol). */
  onLog?: (line: string) => void;
}

/** MailboxMcpOptions with every default filled in. */
export interface ResolvedMailboxMcpOptions {
  mailbox: Mailbox;
  recent: number;
  previewChars: number;
  onLog: (line: string) => void;
}

/**
 * Fills in the defaults of MailboxMcpOptions, the only place they are
 * decided, and checks every value (a bad one throws an AgentwireError of
 * reason "invalid_argument" naming the option).
 */
export function resolveMailboxMcpOptions(options: MailboxMcpOptions): ResolvedMailboxMcpOptions {
  const o = options ?? ({} as MailboxMcpOptions);
  assertArgument(
    typeof o.mailbox === "object" && o.mailbox !== null && typeof o.mailbox.watch === "function",
    "createMailboxMcpServer: mailbox must be a mailbox client (createMailbox)",
  );
  const recent = o.recent ?? 3;
  assertArgument(
    Number.isInteger(recent) && recent >= 1 && recent <= 50,
    `createMailboxMcpServer: recent must be a whole number from 1 to 50, got ${String(o.recent)}`,
  );
  const previewChars = o.previewChars ?? 500;
  assertArgument(
    Number.isInteger(previewChars) && previewChars >= 20,
    `createMailboxMcpServer: previewChars must be a whole number of at least 20, got ${String(o.previewChars)}`,
  );
  assertArgument(
    o.onLog === undefined || typeof o.onLog === "function",
    "createMailboxMcpServer: onLog must be a function (line: string) => void",
  );
  return {
    mailbox: o.mailbox,
    recent,
    previewChars,
    onLog: o.onLog ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}
