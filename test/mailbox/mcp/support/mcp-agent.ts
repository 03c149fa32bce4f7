import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  type CallToolResult,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { projectRoot } from "../../../helpers/buf.js";
import { Inbox } from "../../../helpers/step.js";

/** An MCP client (the SDK's) connected over stdio to a spawned `agentwire mailbox mcp`. */
export interface McpAgent {
  /** The agent id the server acts as. */
  readonly agentId: string;
  /** The SDK client. */
  readonly client: Client;
  /** The URIs of every `notifications/resources/updated` received. */
  readonly updates: Inbox<string>;
  /** The server's stderr lines (stdout is the protocol). */
  readonly stderr: string[];
  /** Calls a tool; answers its result (a tool error is a result, not a throw). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed; answers its structured content. */
  ok(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Closes the client; resolves once the server process is gone. */
  close(): Promise<void>;
}

/** Options of `startMcpAgent`. */
export interface McpAgentOptions {
  /** Extra command-line arguments (e.g. `--token-file F`). */
  args?: string[];
  /** Extra environment (e.g. AGENTWIRE_MAILBOX_TOKEN). */
  env?: Record<string, string>;
}

/** Spawns `node --import tsx bin/agentwire.ts mailbox mcp --agent ID --url URL ...` and initializes an MCP session with it. */
export async function startMcpAgent(
  agentId: string,
  url: string,
  options: McpAgentOptions = {},
): Promise<McpAgent> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      "bin/agentwire.ts",
      "mailbox",
      "mcp",
      "--agent",
      agentId,
      "--url",
      url,
      ...(options.args ?? []),
    ],
    cwd: projectRoot,
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: "pipe",
  });
  const stderr: string[] = [];
  let partial = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    stderr.push(...lines);
  });
  const client = new Client({ name: "agentwire-test", version: "0.0.0" });
  const updates = new Inbox<string>();
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    agentId,
    client,
    updates,
    stderr,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError)
        throw new Error(`${name} failed: ${JSON.stringify(result.content)}\n${stderr.join("\n")}`);
      return result.structuredContent as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}
