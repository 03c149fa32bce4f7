/**
 * Mailbox storage: the `MailboxStore` interface, the embedded SQLite backend
 * and the shared PostgreSQL backend (each driver, better-sqlite3 or pg, is
 * loaded only when a store of that backend is created).
 *
 * @module
 */
export type * from "./mailbox-store.js";
export {
  type OpenMailboxStoreOptions,
  openMailboxStore,
} from "./open-store.js";
export { importOptional } from "./optional-package.js";
export {
  createPostgresMailboxStore,
  type PostgresMailboxStore,
  type PostgresMailboxStoreOptions,
} from "./postgres-store.js";
export {
  createSqliteMailboxStore,
  resolveSqliteMailboxStoreOptions,
  type SqliteMailboxStoreOptions,
  type SqliteSynchronous,
} from "./sqlite-store.js";
