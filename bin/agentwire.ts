#!/usr/bin/env node
/**
 * The `agentwire` command. `agentwire dev` starts the local development
 * sidecar (gRPC and web chat) and, unless `--no-agent` is given, the example
 * echo agent in the same process. `agentwire mailbox` starts the mailbox
 * server (AgentMailbox HTTP routes, SSE and the typed MailboxService).
 */
// Each command loads only its own code: the mailbox server does not carry the
// sidecar, its chat page and the echo agent in memory, nor they the mailbox.
import { setFlagsFromString } from "node:v8";
import { AgentwireError } from "../src/client/errors.js";

const usage = `usage: agentwire dev [--grpc-port N] [--web-port N] [--host H --allow-remote] [--cors-origin URL] [--no-agent]
       agentwire mailbox [--port 3000] [--host 127.0.0.1] [--db FILE|:memory:|URL] [--synchronous full|normal]
                         [--auth open|tokens] [--admin-key-file F]
       agentwire mailbox mcp --agent ID --url URL [--token-file F]

commands:
  dev      start the local development sidecar and web chat (and the echo agent)
  mailbox  start the mailbox server (AgentMailbox HTTP routes and the typed service on one port)
  mailbox mcp  act as one mailbox agent for an MCP client, over stdio`;

/**
 * The mailbox server's process keeps V8's young generation at its initial
 * size (no semi-space growth): its garbage is per request and short-lived.
 * Measured with `npm run bench:mailbox`: RSS after 100k messages 102 → 80 MiB,
 * with sends no slower. A semi-space flag of the user's
 * own (on node's command line or in NODE_OPTIONS) wins. Only here, in the
 * process the command owns: the library never changes V8's flags.
 */
function keepYoungGenerationSmall(): void {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""];
  if (!flags.some((f) => f.includes("semi-space")))
    setFlagsFromString("--semi-space-growth-factor=1");
}

const [command, ...rest] = process.argv.slice(2);
if (command === "dev") {
  const [{ main }, { startEchoAgent }] = await Promise.all([
    import("../src/sidecar/cli.js"),
    import("../examples/echo-agent.js"),
  ]);
  process.exitCode = await main(rest, {
    startAgent: ({ grpcAddress, signal }) => startEchoAgent({ address: grpcAddress, signal }),
  });
} else if (command === "mailbox" && rest[0] === "mcp") {
  // Loaded only here: the MCP SDK is an optional peer dependency (without it,
  // the import fails with an AgentwireError that says what to install).
  const loaded = await import("../src/mailbox/mcp/cli.js").catch((err: unknown) => {
    if (!(err instanceof AgentwireError)) throw err;
    console.error(`agentwire mailbox mcp: ${err.rawMessage}`);
    return undefined;
  });
  process.exitCode = loaded === undefined ? 1 : await loaded.main(rest.slice(1));
} else if (command === "mailbox") {
  keepYoungGenerationSmall();
  const { main } = await import("../src/mailbox/server/cli.js");
  process.exitCode = await main(rest);
} else if (
  command === undefined ||
  command === "--help" ||
  command === "-h" ||
  command === "help"
) {
  console.log(usage);
} else {
  console.error(`agentwire: unknown command ${JSON.stringify(command)}\n\n${usage}`);
  process.exitCode = 2;
}
