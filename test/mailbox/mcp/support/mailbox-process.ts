import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { projectRoot } from "../../../helpers/buf.js";

/** A mailbox server run as the `agentwire mailbox` CLI, so a test can SIGKILL and restart it. */
export interface MailboxProcess {
  /** Its base URL, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  /** Its stderr so far (diagnostics for a failing test). */
  readonly stderr: string[];
  /** SIGKILLs it; resolves once it exited. */
  kill(): Promise<void>;
  /** SIGTERMs it (a drain); resolves once it exited. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the restart test needs a fixed port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `agentwire mailbox --port PORT --db DB [extra...]` and resolves once it listens. */
export async function startMailboxProcess(
  port: number,
  db: string,
  extra: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<MailboxProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "bin/agentwire.ts",
      "mailbox",
      "--port",
      String(port),
      "--db",
      db,
      ...extra,
    ],
    { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (l) =>
    stderr.push(l),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once("exit", (code, signal) =>
      reject(
        new Error(
          `agentwire mailbox exited (${code ?? signal}) before listening:\n${stderr.join("\n")}`,
        ),
      ),
    );
  });
  return {
    url,
    stderr,
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}
