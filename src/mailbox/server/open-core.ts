/**
 * Opening the mailbox core the `db` option names: `:memory:`, a SQLite file
 * or a `postgres://` URL (each backend's driver, an optional peer dependency,
 * is loaded only when chosen, and its absence is an error naming the package).
 *
 * @module
 */

import type { MailboxCoreOptions } from "../core/core-options.js";
import { createMailboxCore } from "../core/mailbox-core.js";
import type { MailboxCore } from "../core/mailbox-types.js";
import { type OpenMailboxStoreOptions, openMailboxStore } from "../store/open-store.js";

/** What the server passes on to the core it opens (everything but the store). */
export type MailboxCoreSettings = Omit<MailboxCoreOptions, "store">;

/** What the server passes on to the store it opens: SQLite or PostgreSQL options, without the location (that is `db`). */
export type MailboxStoreSettings = OpenMailboxStoreOptions;

/** Opens the core over the store `db` names (`:memory:`, a SQLite file path or a PostgreSQL URL). */
export async function openMailboxCore(
  db: string,
  settings: MailboxCoreSettings = {},
  storeSettings: MailboxStoreSettings = {},
): Promise<MailboxCore> {
  const store = await openMailboxStore(db, storeSettings);
  try {
    return createMailboxCore({ ...settings, store });
  } catch (error) {
    await store.close();
    throw error;
  }
}
