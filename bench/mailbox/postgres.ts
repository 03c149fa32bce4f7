/**
 * A throwaway PostgreSQL cluster for the agentwire-on-PostgreSQL column, as
 * the tests make one (`test/helpers/postgres.ts`): Debian's binaries,
 * `initdb` into a temporary folder, `postgres` on 127.0.0.1 only, run as the
 * `postgres` user when the bench runs as root. PostgreSQL's own durability
 * defaults are kept (fsync and synchronous_commit on): no tuning for speed.
 * Every server start gets a fresh database.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trackProcess } from "../proc.js";

/** A running cluster. */
export interface BenchPostgres {
  /** Creates a fresh database and answers its `postgres://` URL. */
  freshDatabase(): Promise<string>;
  /** Stops the cluster and removes its data. */
  close(): Promise<void>;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined)
    throw new Error(
      "--postgres: no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)",
    );
  return join(root, versions[0], "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

/** Starts the cluster; resolves once it accepts connections. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "bench-mailbox-pg-"));
  const data = join(dir, "data");
  const ids =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
          gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
        }
      : {};
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(dir, ids.uid, ids.gid);
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"],
    { ...ids, cwd: dir, stdio: "pipe" },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
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
      "-c",
      "max_connections=200",
    ],
    { ...ids, cwd: dir, stdio: ["ignore", "ignore", "ignore"] },
  );
  trackProcess(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const psql = (sql: string) =>
    execFileSync(
      join(bin, "psql"),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-qAtc", sql],
      {
        stdio: "pipe",
        encoding: "utf8",
      },
    );
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      psql("select 1");
      break;
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`PostgreSQL did not start: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let n = 0;
  return {
    async freshDatabase() {
      const name = `bench_mailbox_${process.pid}_${n++}`;
      psql(`create database ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async close() {
      child.kill("SIGINT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
