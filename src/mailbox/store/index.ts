/**
 * Mailbox storage: the `MailboxStore` interface and the embedded SQLite
 * backend (its driver, better-sqlite3, is loaded only when a store is created).
 *
 * @module
 */
export type * from "./mailbox-store.js";
export { importOptional } from "./optional-package.js";
export {
  createSqliteMailboxStore,
  resolveSqliteMailboxStoreOptions,
  type SqliteMailboxStoreOptions,
} from "./sqlite-store.js";
