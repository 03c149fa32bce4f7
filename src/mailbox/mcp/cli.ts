/**
 * The `agentwire mailbox mcp` command: an MCP server over stdio acting as one
 * mailbox agent. stdout carries the protocol, so every diagnostic goes to
 * stderr. The agent's token is read from a file or the environment, never
 * from the command line (where `ps` would show it). The session ends when
 * the client closes stdin, or on SIGINT/SIGTERM (exit 0).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { AgentwireError } from "../../client/errors.js";
import { createMailbox, type Mailbox } from "../client/mailbox-client.js";
import type { MailboxProtocol } from "../client/mailbox-options.js";
import { StdioServerTransport } from "./mcp-sdk.js";
import { createMailboxMcpServer, type MailboxMcpServer } from "./mcp-server.js";

/** The environment variable that may hold the agent's token. */
export const TOKEN_ENV = "AGENTWIRE_MAILBOX_TOKEN";

/** The `--help` text. */
export const MCP_CLI_USAGE = `Usage: agentwire mailbox mcp --agent ID --url URL [options]

Runs an MCP server over stdio that acts as one agent of an agentwire mailbox:
tools to send, read and reply, and the resource mailbox://ID/unread that
notifies a subscribed client when mail arrives.

Options:
  --agent ID            the agent to act as, e.g. researcher@demo
  --url URL             the mailbox server, e.g. http://127.0.0.1:3000
  --token-file F        token mode: file holding the agent's token
                        (or set ${TOKEN_ENV}; never pass a token as an argument)
  --protocol P          connect (default) or grpc
  --recent N            recent messages per thread context, 1 to 50 (default 3)
  --help                show this help`;

/** Dependencies `main` takes from its caller (tests and the bin). */
export interface McpCliDependencies {
  /** The protocol's input (default: stdin). */
  readonly stdin?: Readable;
  /** The protocol's output (default: stdout). */
  readonly stdout?: Writable;
  /** Diagnostics (default: stderr). */
  readonly printError?: (line: string) => void;
  /** The environment (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ends the session as a signal would; SIGINT/SIGTERM always do. */
  readonly signal?: AbortSignal;
}

class UsageError extends Error {}

interface Parsed {
  agentId: string;
  baseUrl: string;
  tokenFile: string | undefined;
  protocol: MailboxProtocol;
  recent: number | undefined;
}

function parse(argv: readonly string[]): Parsed | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      agent: { type: "string" },
      url: { type: "string" },
      "token-file": { type: "string" },
      token: { type: "string" },
      protocol: { type: "string" },
      recent: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  if (values.token !== undefined)
    throw new UsageError(
      `--token is not accepted (ps would show it): put the token in a file and pass --token-file F, or set ${TOKEN_ENV}`,
    );
  if (values.agent === undefined || values.agent === "")
    throw new UsageError("--agent ID is required (the agent to act as)");
  if (values.url === undefined || values.url === "")
    throw new UsageError("--url URL is required (the mailbox server)");
  const protocol = values.protocol ?? "connect";
  if (protocol !== "connect" && protocol !== "grpc")
    throw new UsageError(`--protocol must be "connect" or "grpc", got "${protocol}"`);
  let recent: number | undefined;
  if (values.recent !== undefined) {
    recent = Number(values.recent);
    if (!/^\d+$/.test(values.recent) || recent < 1 || recent > 50)
      throw new UsageError(`--recent must be a whole number from 1 to 50, got "${values.recent}"`);
  }
  return {
    agentId: values.agent,
    baseUrl: values.url,
    tokenFile: values["token-file"],
    protocol,
    recent,
  };
}

/** Runs the command with `argv` (after `mailbox mcp`); resolves with the exit code when the session ends. */
export async function main(
  argv: readonly string[],
  deps: McpCliDependencies = {},
): Promise<number> {
  const printError = deps.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = deps.env ?? process.env;
  let parsed: Parsed | "help";
  try {
    parsed = parse(argv);
  } catch (err) {
    printError(`agentwire mailbox mcp: ${(err as Error).message}\n\n${MCP_CLI_USAGE}`);
    return 2;
  }
  if (parsed === "help") {
    // Asked for, before any protocol: the help may go to stdout.
    (deps.stdout ?? process.stdout).write(`${MCP_CLI_USAGE}\n`);
    return 0;
  }
  let token: string | undefined;
  if (parsed.tokenFile !== undefined) {
    try {
      token = (await readFile(parsed.tokenFile, "utf8")).trim();
    } catch (err) {
      printError(
        `agentwire mailbox mcp: --token-file ${parsed.tokenFile}: ${(err as Error).message}`,
      );
      return 2;
    }
    if (token === "") {
      printError(`agentwire mailbox mcp: --token-file ${parsed.tokenFile} is empty`);
      return 2;
    }
  } else if (env[TOKEN_ENV] !== undefined && env[TOKEN_ENV] !== "") {
    token = env[TOKEN_ENV];
  }

  let mailbox: Mailbox;
  let mcp: MailboxMcpServer;
  try {
    mailbox = createMailbox({
      agentId: parsed.agentId,
      baseUrl: parsed.baseUrl,
      protocol: parsed.protocol,
      ...(token !== undefined && { token }),
    });
    mcp = createMailboxMcpServer({
      mailbox,
      onLog: printError,
      ...(parsed.recent !== undefined && { recent: parsed.recent }),
    });
  } catch (err) {
    if (err instanceof AgentwireError && err.reason === "invalid_argument") {
      printError(`agentwire mailbox mcp: ${err.rawMessage}\n\n${MCP_CLI_USAGE}`);
      return 2;
    }
    throw err;
  }

  const stdin = deps.stdin ?? process.stdin;
  const stdout = deps.stdout ?? process.stdout;
  const stop = new AbortController();
  const onStop = () => stop.abort();
  process.once("SIGINT", onStop);
  process.once("SIGTERM", onStop);
  deps.signal?.addEventListener("abort", onStop, { once: true });
  // The client ends the session by closing our stdin.
  stdin.once("end", onStop);
  stdin.once("close", onStop);
  // A client gone without closing our stdin shows as EPIPE on stdout: the session is over.
  const onBrokenPipe = (e: Error) => {
    printError(`agentwire mailbox mcp: stdout: ${e.message}`);
    onStop();
  };
  stdout.on("error", onBrokenPipe);
  const transport = new StdioServerTransport(stdin, stdout);
  transport.onclose = onStop;
  try {
    await mcp.connect(transport);
    printError(
      `agentwire mailbox mcp: acting as ${parsed.agentId} at ${mailbox.baseUrl}${token === undefined ? "" : " (token mode)"}; unread resource ${mcp.unreadUri}`,
    );
    if (!stop.signal.aborted)
      await new Promise((resolve) =>
        stop.signal.addEventListener("abort", resolve, { once: true }),
      );
    return 0;
  } finally {
    process.off("SIGINT", onStop);
    process.off("SIGTERM", onStop);
    stdin.off("end", onStop);
    stdin.off("close", onStop);
    stdout.off("error", onBrokenPipe);
    await mcp.close().catch((e: unknown) => printError(`agentwire mailbox mcp: ${String(e)}`));
    mailbox.close();
  }
}
