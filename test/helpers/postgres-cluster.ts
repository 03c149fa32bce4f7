/**
 * One way to start a throwaway PostgreSQL cluster, for the tests
 * (`postgres.ts`) and the mailbox bench (`bench/mailbox/postgres.ts`):
 * Debian's binaries, `initdb` into a temporary folder, `postgres` on
 * 127.0.0.1 only with its socket in that folder, run as the `postgres` user
 * when the caller runs as root (PostgreSQL refuses to run as root). It lives
 * with the test helpers, which need no package build and import only node
 * and `pg`; the bench imports it from here. What differs between the two is
 * an option: the tests turn fsync off for speed, the bench keeps PostgreSQL's
 * durability defaults; the bench tracks every process it starts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Options of {@link startPostgresCluster}. */
export interface PostgresClusterOptions {
  /** Keep PostgreSQL's durability defaults (fsync, full page writes); false: no fsync, for test speed. */
  durable: boolean;
  /** Prefix of the temporary folder (data and socket). */
  tempPrefix: string;
  /** Called with every `postgres` process started (e.g. to kill it when the caller exits). */
  onProcess?: (child: ChildProcess) => void;
}

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** A `postgres://` URL of its `postgres` database, as the superuser. */
  readonly adminUrl: string;
  /** Creates database `name` and answers its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown); committed rows stay on disk. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
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
async function waitForServer(url: string, timeoutMs = 30_000): Promise<void> {
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

/** Runs `fn` with a connected client of `url`, then disconnects. */
export async function withPgClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts a throwaway cluster; resolves once it accepts connections. */
export async function startPostgresCluster(
  options: PostgresClusterOptions,
): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      "no PostgreSQL binaries in /usr/lib/postgresql/*/bin: apt-get install postgresql, or set AGENTWIRE_TEST_PG_URL",
    );
  const dir = mkdtempSync(join(tmpdir(), options.tempPrefix));
  const data = join(dir, "data");
  const ids =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
          gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
        }
      : {};
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(dir, ids.uid, ids.gid);
  const speed = options.durable ? [] : ["--no-sync"];
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", ...speed, "--no-instructions"],
    { ...ids, cwd: dir, stdio: "pipe" },
  );
  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // Test speed: no fsync to disk. A killed *server process* loses nothing
  // committed either way (the kernel keeps the written WAL).
  const settings = options.durable ? [] : ["fsync=off", "full_page_writes=off"];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const args = ["-D", data, "-p", String(port), "-k", dir];
    for (const s of ["listen_addresses=127.0.0.1", "max_connections=200", ...settings])
      args.push("-c", s);
    const proc = spawn(join(bin, "postgres"), args, {
      ...ids,
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    options.onProcess?.(proc);
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
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    child.kill("SIGINT"); // fast shutdown: disconnects clients, checkpoints
    await exited;
    child = undefined;
  };

  await start();
  return {
    adminUrl,
    async createDatabase(name) {
      await withPgClient(adminUrl, (c) => c.query(`create database ${name}`));
      return databaseUrl(adminUrl, name);
    },
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
