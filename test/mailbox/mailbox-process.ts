/**
 * The `agentwire mailbox` CLI as a child process: `node --import tsx`, one
 * process (no tsx wrapper in between, so a SIGKILL really kills the server).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A running CLI process. */
export interface MailboxProcess {
  /** The child. */
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the URL it printed once listening; rejects if it exits first. */
  readonly url: Promise<string>;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Kills it (SIGKILL) if still running and waits for the exit. */
  kill(): Promise<void>;
}

/** Spawns `agentwire mailbox ...args`. */
export function spawnMailbox(args: string[], env: Record<string, string> = {}): MailboxProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "bin/agentwire.ts", "mailbox", ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (code, signal) => resolve([code, signal])),
  );
  const url = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(([code, signal]) =>
      reject(new Error(`the mailbox exited (${code ?? signal}) before listening:\n${output}`)),
    );
  });
  url.catch(() => {});
  return {
    child,
    output: () => output,
    url,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
