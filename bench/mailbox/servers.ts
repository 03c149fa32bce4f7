/**
 * The mailbox servers under test, started by the orchestrator as plain node
 * processes, each on a fresh SQLite file in its own scratch folder:
 * agentwire's CLI from the compiled `dist/` (`agentwire mailbox --port 0
 * --db FILE`), and the reference AgentMailbox server (`agentsmcp@0.5.2`)
 * with the loopback preload. Both bind 127.0.0.1 only; a server found
 * listening anywhere else is killed and the run fails.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { trackProcess, withTimeout } from "../proc.js";

/** A server stack: the reference, agentwire on SQLite, agentwire on PostgreSQL. */
export type ServerImpl = "reference" | "agentwire" | "agentwire-pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
/** Where the reference is installed (its own package.json and lock; node_modules cached). */
export const referenceDir = path.join(here, "reference");
const referenceScript = path.join(referenceDir, "node_modules/agentsmcp/dist/server.js");

/** Whether the reference server is installed. */
export function referenceInstalled(): boolean {
  return existsSync(referenceScript);
}

/** A running server process. */
export interface RunningServer {
  impl: ServerImpl;
  baseUrl: string;
  pid: number;
  /** The server's resident set size now, in bytes (from /proc). */
  rssBytes(): number;
  /** The CPU time (user + system) the server process used so far, in milliseconds (from /proc, 10 ms steps). */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after a grace period; removes the scratch folder. */
  stop(): Promise<void>;
}

/** Options of one server start. */
export interface StartOptions {
  /** Extra node flags (e.g. `--cpu-prof --cpu-prof-dir=DIR`). */
  nodeFlags?: string[];
  /** A `postgres://` URL for agentwire-pg. */
  postgresUrl?: string | undefined;
  /** The agentwire checkout whose `dist/bin/agentwire.js` runs (default: this one). */
  agentwireRoot?: string | undefined;
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** Fails (after killing the process) when it listens on anything but loopback. */
function assertLoopbackOnly(pid: number, label: string): void {
  let out = "";
  try {
    out = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  } catch {
    return; // no ss here: the preload's pinning still holds
  }
  for (const line of out.split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    const local = line.trim().split(/\s+/)[3] ?? "";
    if (!/^(127\.\d+\.\d+\.\d+|\[::1\]|\[::ffff:127\.\d+\.\d+\.\d+\]):\d+$/.test(local)) {
      process.kill(pid, "SIGKILL");
      throw new Error(`${label} listens on ${local}, beyond loopback: killed`);
    }
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp, label: string): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      let buffered = "";
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const m = pattern.exec(buffered);
        if (m !== null) {
          child.stdout?.off("data", onData);
          child.stderr?.off("data", onData);
          resolve(m[1] as string);
        }
        if (buffered.length > 1_000_000) buffered = buffered.slice(-10_000);
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code, signal) =>
        reject(
          new Error(`${label} exited (${signal ?? `code ${code}`}) before listening:\n${buffered}`),
        ),
      );
    }),
    60_000,
    `${label} start`,
  );
}

async function waitHealthy(baseUrl: string, label: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (performance.now() > deadline) throw new Error(`${label}: /health not 200 within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `impl` on a fresh database; resolves once it answers /health. */
export async function startServer(
  impl: ServerImpl,
  options: StartOptions = {},
): Promise<RunningServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `bench-mailbox-${impl}-`));
  const db = path.join(scratch, "mail.db");
  const flags = options.nodeFlags ?? [];
  let child: ChildProcess;
  let pattern: RegExp;
  if (impl === "reference") {
    if (!referenceInstalled())
      throw new Error("the reference is not installed (run without --agentwire-only to install)");
    child = spawn(
      process.execPath,
      [...flags, "--require", path.join(here, "loopback-preload.cjs"), referenceScript],
      {
        cwd: scratch, // it writes logs/ into its working directory
        env: {
          PATH: process.env.PATH ?? "",
          HOME: scratch,
          PORT: "0",
          AGENTSMCP_DB: db,
          AGENTSMCP_INGESTION_STATE_DIR: path.join(scratch, "ingestion"),
          NODE_ENV: "development",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    pattern = /bench-loopback-preload: listening 127\.0\.0\.1:(\d+)/;
  } else {
    const dbArg = impl === "agentwire-pg" ? options.postgresUrl : db;
    if (dbArg === undefined) throw new Error("agentwire-pg needs a postgres URL");
    child = spawn(
      process.execPath,
      [
        ...flags,
        path.join(options.agentwireRoot ?? root, "dist/bin/agentwire.js"),
        "mailbox",
        "--port",
        "0",
        "--db",
        dbArg,
      ],
      {
        cwd: scratch,
        env: { PATH: process.env.PATH ?? "", HOME: scratch },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    pattern = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  }
  trackProcess(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await waitForLine(child, pattern, impl);
  // Keep draining the pipes so a chatty server never blocks on a full pipe,
  // holding the last 8 KiB of its output for a report if it dies in use.
  let tail = "";
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-8192);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);
  let stopped: Promise<void> | undefined;
  child.once("exit", (code, signal) => {
    if (stopped === undefined)
      process.stderr.write(
        `${impl} server (pid ${child.pid}) exited in use (${signal ?? `code ${code}`}); its last output:\n${tail}\n`,
      );
  });
  const pid = child.pid as number;
  const baseUrl = `http://127.0.0.1:${port}`;
  assertLoopbackOnly(pid, impl);
  await waitHealthy(baseUrl, impl);
  return {
    impl,
    baseUrl,
    pid,
    rssBytes: () => rssOf(pid),
    cpuMs: () => cpuMsOf(pid),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(scratch, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Installs the reference into bench/mailbox/reference (npm ci from its lock) unless it is there. */
export async function ensureReference(log: (line: string) => void): Promise<void> {
  if (referenceInstalled()) return;
  const hasLock = existsSync(path.join(referenceDir, "package-lock.json"));
  const args = hasLock ? ["ci"] : ["install"];
  log(
    `installing the reference (npm ${args[0]} in ${path.relative(root, referenceDir)}; builds better-sqlite3, minutes) …`,
  );
  const child = spawn("npm", [...args, "--no-audit", "--no-fund"], {
    cwd: referenceDir,
    // npm's output goes to stderr: stdout stays the table or the JSON.
    stdio: ["ignore", process.stderr, process.stderr],
  });
  trackProcess(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0 || !referenceInstalled())
    throw new Error(`installing the reference failed (npm exit ${code})`);
}
