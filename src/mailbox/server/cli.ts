/**
 * The `agentwire mailbox` command: starts a mailbox server, prints its URL,
 * and drains on SIGINT/SIGTERM (exit 0). Bad flags exit 2 with the usage; a
 * port in use names `--port`. The administrator key is read from a file or the
 * environment, never from the command line (where `ps` would show it).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { AgentwireError } from "../../client/errors.js";
import { isPostgresUrl, redactUrl } from "../store/postgres-options.js";
import type { SqliteSynchronous } from "../store/sqlite-store.js";
import { createMailboxServer, type MailboxServer } from "./mailbox-server.js";
import type { MailboxAuthMode } from "./server-options.js";

/** The environment variable that may hold the administrator key. */
export const ADMIN_KEY_ENV = "AGENTWIRE_MAILBOX_ADMIN_KEY";

/** The `--help` text. */
export const CLI_USAGE = `Usage: agentwire mailbox [options]

Runs the agentwire mailbox: the AgentMailbox HTTP routes, SSE push and the typed
agentwire.mailbox.v1.MailboxService (Connect, gRPC, gRPC-web) on one port.

Options:
  --port N              port to listen on (default 3000, 0 = any free port)
  --host H              address to bind (default 127.0.0.1; open mode is loopback only)
  --db FILE|:memory:|URL
                        where mail is kept: a SQLite file, :memory: (default) or
                        a postgres:// URL (a database several servers share)
  --synchronous full|normal
                        SQLite: fsync every commit before answering (full, the
                        default), or not (normal: survives a killed server, not
                        a power cut)
  --auth open|tokens    open: identities are claimed (default); tokens: agents use tokens
  --admin-key-file F    token mode: file holding the administrator key
                        (or set ${ADMIN_KEY_ENV})
  --help                show this help`;

/** Dependencies `main` takes from its caller (tests and the bin). */
export interface MailboxCliDependencies {
  /** Output lines (default: stdout). */
  readonly print?: (line: string) => void;
  /** Error lines (default: stderr). */
  readonly printError?: (line: string) => void;
  /** The environment (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops the CLI as a signal would; SIGINT/SIGTERM are always handled. */
  readonly signal?: AbortSignal;
  /** Called once the server listens. */
  readonly onReady?: (server: MailboxServer) => void;
}

class UsageError extends Error {}

function portOf(raw: string | undefined): number {
  if (raw === undefined) return 3000;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535)
    throw new UsageError(`--port must be a port from 0 to 65535, got "${raw}"`);
  return value;
}

function synchronousOf(
  raw: string | undefined,
  db: string | undefined,
): SqliteSynchronous | undefined {
  if (raw === undefined) return undefined;
  if (raw !== "full" && raw !== "normal")
    throw new UsageError(`--synchronous must be "full" or "normal", got "${raw}"`);
  if (db !== undefined && isPostgresUrl(db))
    throw new UsageError(
      "--synchronous applies to a SQLite --db only (PostgreSQL has its own settings)",
    );
  return raw;
}

/** The `db` as the listening line shows it: a PostgreSQL URL without its password. */
function shownDb(db: string): string {
  return isPostgresUrl(db) ? redactUrl(db) : db;
}

function authOf(raw: string | undefined): MailboxAuthMode {
  if (raw === undefined) return "open";
  if (raw !== "open" && raw !== "tokens")
    throw new UsageError(`--auth must be "open" or "tokens", got "${raw}"`);
  return raw;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code after shutdown. */
export async function main(
  argv: readonly string[],
  deps: MailboxCliDependencies = {},
): Promise<number> {
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printError = deps.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = deps.env ?? process.env;
  let values: Record<string, string | boolean | undefined>;
  let port: number;
  let auth: MailboxAuthMode;
  let synchronous: SqliteSynchronous | undefined;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        db: { type: "string" },
        synchronous: { type: "string" },
        auth: { type: "string" },
        "admin-key-file": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
    port = portOf(values.port as string | undefined);
    auth = authOf(values.auth as string | undefined);
    synchronous = synchronousOf(
      values.synchronous as string | undefined,
      values.db as string | undefined,
    );
  } catch (err) {
    printError(`agentwire mailbox: ${(err as Error).message}\n\n${CLI_USAGE}`);
    return 2;
  }
  if (values.help) {
    print(CLI_USAGE);
    return 0;
  }
  const keyFile = values["admin-key-file"] as string | undefined;
  let adminKey: string | undefined;
  if (auth === "tokens") {
    try {
      adminKey =
        keyFile !== undefined ? (await readFile(keyFile, "utf8")).trim() : env[ADMIN_KEY_ENV];
    } catch (err) {
      printError(`agentwire mailbox: --admin-key-file ${keyFile}: ${(err as Error).message}`);
      return 2;
    }
    if (adminKey === undefined || adminKey === "") {
      printError(
        `agentwire mailbox: --auth tokens needs an administrator key: --admin-key-file F or ${ADMIN_KEY_ENV}\n\n${CLI_USAGE}`,
      );
      return 2;
    }
  } else if (keyFile !== undefined) {
    printError(
      `agentwire mailbox: --admin-key-file only applies with --auth tokens\n\n${CLI_USAGE}`,
    );
    return 2;
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  deps.signal?.addEventListener("abort", onSignal, { once: true });
  let server: MailboxServer | undefined;
  try {
    try {
      server = await createMailboxServer({
        port,
        auth,
        ...(values.host !== undefined && { host: values.host as string }),
        ...(values.db !== undefined && { db: values.db as string }),
        ...(adminKey !== undefined && { adminKey }),
        ...(synchronous !== undefined && { storeSettings: { sqlite: { synchronous } } }),
        onLog: printError,
      });
      const address = await server.listen({ signal: stop.signal });
      print(
        `agentwire mailbox listening on ${address.url} (${auth} mode, db ${shownDb(server.options.db)}${synchronous !== undefined ? `, synchronous ${synchronous}` : ""})`,
      );
      deps.onReady?.(server);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === "EADDRINUSE") {
        printError(
          `agentwire mailbox: --port ${port} is in use; choose another --port (0 picks a free one)`,
        );
        return 1;
      }
      if (err instanceof AgentwireError && err.reason === "invalid_argument") {
        printError(`agentwire mailbox: ${err.rawMessage}\n\n${CLI_USAGE}`);
        return 2;
      }
      printError(`agentwire mailbox: ${(err as Error).message}`);
      return 1;
    }
    if (!stop.signal.aborted)
      await new Promise((resolve) =>
        stop.signal.addEventListener("abort", resolve, { once: true }),
      );
    print("draining...");
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await server?.close();
  }
}
