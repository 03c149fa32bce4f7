/**
 * Opening the mailbox core the `db` option names: `:memory:` or a SQLite
 * file (the driver is an optional peer dependency, loaded only here).
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import type { MailboxCore } from "../core/mailbox-types.js";

/** Opens the core over the store `db` names (`:memory:` or a SQLite file path). */
export async function openMailboxCore(db: string): Promise<MailboxCore> {
  throw new AgentwireError("unavailable", `no store for ${db} yet`, Code.Unavailable);
}
