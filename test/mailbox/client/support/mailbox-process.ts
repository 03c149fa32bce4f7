import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

/** A free TCP port on 127.0.0.1 (bound and released, so a server can be restarted on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** The mailbox CLI running as a child process (`agentwire mailbox`). */
export interface MailboxProcess {
  /** The server's base URL. */
  readonly url: string;
  /** Everything it printed. */
  readonly output: () => string;
  /** SIGKILLs it and waits for its exit. */
  kill(): Promise<void>;
  /** SIGTERMs it and waits for its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `agentwire mailbox --port PORT --db DB [...extra]` with tsx and
 * resolves once it prints its URL (it then listens), or rejects when it exits
 * first or takes longer than `timeoutMs`.
 */
export function startMailboxProcess(
  port: number,
  db: string,
  extra: string[] = [],
  timeoutMs = 15_000,
): Promise<MailboxProcess> {
  // node --import tsx (not the tsx binary, which runs the server in a
  // grandchild that a SIGKILL of the child would leave running).
  const child: ChildProcess = spawn(
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
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for the mailbox CLI to print ${url}; it printed: ${output}`,
        ),
      );
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes(`127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve({
          url,
          output: () => output,
          async kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            await exited;
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the mailbox CLI exited (${code}) before listening: ${output}`));
    });
  });
}
