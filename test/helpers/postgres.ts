/**
 * A real PostgreSQL for the tests: the server named by AGENTWIRE_TEST_PG_URL
 * (a fresh database in it per call), or else a throwaway cluster
 * (`postgres-cluster.ts`, without fsync: test speed).
 */
import { databaseUrl, startPostgresCluster, withPgClient } from "./postgres-cluster.js";

/** A PostgreSQL the tests may use and stop, then start again on the same data. */
export interface TestPostgres {
  /** A `postgres://` URL of a database that is this test's alone. */
  readonly url: string;
  /** Creates another fresh database on the same server and answers its URL. */
  createDatabase(): Promise<string>;
  /**
   * Creates a fresh schema in this test's database and answers a URL whose
   * connections use it (`search_path`): a new empty mailbox in a few
   * milliseconds, where a database takes a second.
   */
  createSchema(): Promise<string>;
  /** Stops the server (fast shutdown); acknowledged commits stay on disk. */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  startServer(): Promise<void>;
  /** Stops the server and removes its data (or drops the database of an external server). */
  close(): Promise<void>;
}

let counter = 0;
const databaseName = () => `agentwire_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;

/**
 * Starts (or connects to) a PostgreSQL and creates a fresh database for the
 * caller. `stoppable`: always a throwaway cluster (tests that stop the server
 * or change database settings), even when AGENTWIRE_TEST_PG_URL is set.
 */
export async function startTestPostgres(
  options: { stoppable?: boolean } = {},
): Promise<TestPostgres> {
  const external = process.env.AGENTWIRE_TEST_PG_URL;
  if (external && !options.stoppable) return externalPostgres(external);
  return await throwawayCluster();
}

async function createDatabase(adminUrl: string, made: string[]): Promise<string> {
  const name = databaseName();
  await withPgClient(adminUrl, (c) => c.query(`create database ${name}`));
  made.push(name);
  return databaseUrl(adminUrl, name);
}

let schemas = 0;

async function createSchema(url: string): Promise<string> {
  const name = `mailbox_${schemas++}`;
  await withPgClient(url, (c) => c.query(`create schema ${name}`));
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${name}`);
  return u.toString();
}

async function externalPostgres(adminUrl: string): Promise<TestPostgres> {
  const made: string[] = [];
  const url = await createDatabase(adminUrl, made);
  return {
    url,
    createDatabase: () => createDatabase(adminUrl, made),
    createSchema: () => createSchema(url),
    stopServer: () => Promise.reject(new Error("cannot stop an external PostgreSQL")),
    startServer: () => Promise.reject(new Error("cannot start an external PostgreSQL")),
    close: () =>
      withPgClient(adminUrl, async (c) => {
        for (const name of made) await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

async function throwawayCluster(): Promise<TestPostgres> {
  const cluster = await startPostgresCluster({ durable: false, tempPrefix: "agentwire-pg-" });
  const made: string[] = [];
  const url = await createDatabase(cluster.adminUrl, made);
  return {
    url,
    createDatabase: () => createDatabase(cluster.adminUrl, made),
    createSchema: () => createSchema(url),
    stopServer: () => cluster.stop(),
    startServer: () => cluster.start(),
    close: () => cluster.close(),
  };
}
