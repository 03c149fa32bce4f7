/**
 * Opening the mailbox core the `db` option names: `:memory:` or a SQLite
 * file (better-sqlite3, an optional peer dependency, is loaded only here, and
 * its absence is an error naming the package).
 *
 * @module
 */

import type { MailboxCoreOptions } from "../core/core-options.js";
import { createMailboxCore } from "../core/mailbox-core.js";
import type { MailboxCore } from "../core/mailbox-types.js";
import { createSqliteMailboxStore } from "../store/sqlite-store.js";

/** What the server passes on to the core it opens (everything but the store). */
export type MailboxCoreSettings = Omit<MailboxCoreOptions, "store">;

/** Opens the core over the store `db` names (`:memory:` or a SQLite file path). */
export async function openMailboxCore(
  db: string,
  settings: MailboxCoreSettings = {},
): Promise<MailboxCore> {
  const store = await createSqliteMailboxStore({ path: db });
  try {
    return createMailboxCore({ ...settings, store });
  } catch (error) {
    await store.close();
    throw error;
  }
}
