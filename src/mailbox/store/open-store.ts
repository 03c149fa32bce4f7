/**
 * Opening the mailbox store a `--db` string names: a `postgres://` or
 * `postgresql://` URL is the shared PostgreSQL store, anything else a SQLite
 * file (or `:memory:`). Each backend's driver is loaded only when it is chosen.
 *
 * @module
 */
import { invalidArgument } from "../core/mailbox-errors.js";
import type { MailboxStore } from "./mailbox-store.js";
import { isPostgresUrl, type PostgresMailboxStoreOptions } from "./postgres-options.js";
import type { SqliteMailboxStoreOptions } from "./sqlite-store.js";

/** Backend options `openMailboxStore` passes through (the location comes from `db`). */
export interface OpenMailboxStoreOptions {
  /** Options of the PostgreSQL store, used when `db` is a PostgreSQL URL. */
  postgres?: Omit<PostgresMailboxStoreOptions, "url">;
  /** Options of the SQLite store, used otherwise. */
  sqlite?: Omit<SqliteMailboxStoreOptions, "path">;
}

/** Opens (creating and migrating as needed) the store `db` names: a PostgreSQL URL, a SQLite file or `:memory:`. */
export async function openMailboxStore(
  db: string,
  options: OpenMailboxStoreOptions = {},
): Promise<MailboxStore> {
  if (typeof db !== "string" || db === "")
    throw invalidArgument("db: expected a postgres:// URL, a SQLite file or :memory:");
  if (isPostgresUrl(db)) {
    const { createPostgresMailboxStore } = await import("./postgres-store.js");
    return await createPostgresMailboxStore({ ...options.postgres, url: db });
  }
  const { createSqliteMailboxStore } = await import("./sqlite-store.js");
  return await createSqliteMailboxStore({ ...options.sqlite, path: db });
}
