/**
 * The shared mailbox suite (the same one SQLite runs) against the PostgreSQL
 * store: one throwaway cluster for the file, a fresh database per test.
 */
import { afterAll, beforeAll } from "vitest";
import { createPostgresMailboxStore } from "../../../src/mailbox/store/postgres-store.js";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { mailboxSuite } from "../core/suite/mailbox-suite.js";

let pg: TestPostgres | undefined;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.close();
});

const storeOptions = { maxConnections: 4 };

mailboxSuite({
  name: "postgres",
  durable: true,
  async open() {
    if (!pg) throw new Error("PostgreSQL did not start");
    const url = await pg.createSchema();
    return {
      store: await createPostgresMailboxStore({ url, ...storeOptions }),
      reopen: () => createPostgresMailboxStore({ url, ...storeOptions }),
      cleanup: async () => {},
    };
  },
});
