/**
 * A real PostgreSQL for the tests: the server named by AGENTWIRE_TEST_PG_URL
 * (a fresh database in it per call), or else a throwaway cluster started from
 * Debian's binaries (`initdb` into a temporary folder, `postgres -p PORT -k DIR`
 * on 127.0.0.1), run as the `postgres` user when the tests run as root, since
 * PostgreSQL refuses to run as root.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

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

/** The newest PostgreSQL bin folder of Debian's packages, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Tries to connect until the server answers, for at most `timeoutMs`. */
async function waitForServer(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch (e) {
      last = e;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`PostgreSQL at ${url} did not answer: ${String(last)}`);
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
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

/** The URL of database `name` on the server of `adminUrl`. */
function urlOf(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function createDatabase(adminUrl: string, made: string[]): Promise<string> {
  const name = databaseName();
  await withAdmin(adminUrl, (c) => c.query(`create database ${name}`));
  made.push(name);
  return urlOf(adminUrl, name);
}

let schemas = 0;

async function createSchema(url: string): Promise<string> {
  const name = `mailbox_${schemas++}`;
  await withAdmin(url, (c) => c.query(`create schema ${name}`));
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
      withAdmin(adminUrl, async (c) => {
        for (const name of made) await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

async function throwawayCluster(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      "no PostgreSQL binaries in /usr/lib/postgresql/*/bin: apt-get install postgresql, or set AGENTWIRE_TEST_PG_URL",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "agentwire-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot
    ? {
        uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
        gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
      }
    : {};
  if (asRoot && ids.uid !== undefined && ids.gid !== undefined) chownSync(dir, ids.uid, ids.gid);
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
    { ...ids, cwd: dir, stdio: "pipe" },
  );
  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const startServer = async () => {
    const proc = spawn(
      join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        // Test speed: no fsync to disk. A killed *server process* loses nothing
        // committed either way (the kernel keeps the written WAL).
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ],
      { ...ids, cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr = `${stderr}${d}`.slice(-4000);
    });
    child = proc;
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    try {
      await waitForServer(adminUrl);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    }
  };
  const stopServer = async () => {
    if (!child || child.exitCode !== null) return;
    child.kill("SIGINT"); // fast shutdown: disconnects clients, checkpoints
    await exited;
    child = undefined;
  };

  await startServer();
  const made: string[] = [];
  const url = await createDatabase(adminUrl, made);
  return {
    url,
    createDatabase: () => createDatabase(adminUrl, made),
    createSchema: () => createSchema(url),
    stopServer,
    startServer,
    close: async () => {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
