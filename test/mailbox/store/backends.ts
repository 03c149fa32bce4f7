/**
 * The store backends the shared mailbox suite runs against. A backend opens a
 * fresh, empty store per test and can reopen the same data (durability); a
 * PostgreSQL backend joins by adding a factory here.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MailboxStore } from "../../../src/mailbox/store/mailbox-store.js";
import { createSqliteMailboxStore } from "../../../src/mailbox/store/sqlite-store.js";

/** One fresh store, with a way to open it again after closing. */
export interface OpenedStore {
  /** The store. */
  store: MailboxStore;
  /** Opens the same data again (after `store.close()`); undefined when the data cannot outlive the store. */
  reopen: (() => Promise<MailboxStore>) | undefined;
  /** Removes what the store left behind (files). */
  cleanup(): Promise<void>;
}

/** A store backend under test. */
export interface StoreBackend {
  /** Its name in test titles. */
  name: string;
  /** Whether its data outlives the store (reopen gives the same data back). */
  durable: boolean;
  /** Opens a fresh, empty store. */
  open(): Promise<OpenedStore>;
}

/** SQLite in a file of a fresh temporary folder. */
export const sqliteFileBackend: StoreBackend = {
  name: "sqlite file",
  durable: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "agentwire-mailbox-"));
    const path = join(dir, "mailbox.db");
    return {
      store: await createSqliteMailboxStore({ path }),
      reopen: () => createSqliteMailboxStore({ path }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

/** SQLite in memory. */
export const sqliteMemoryBackend: StoreBackend = {
  name: "sqlite :memory:",
  durable: false,
  async open() {
    return {
      store: await createSqliteMailboxStore({ path: ":memory:" }),
      reopen: undefined,
      cleanup: async () => {},
    };
  },
};
