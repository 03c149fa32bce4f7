import { Code } from "@connectrpc/connect";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AgentwireError } from "../../client/errors.js";
import { mailboxTools } from "./mailbox-tools.js";
import { type MailboxMcpOptions, resolveMailboxMcpOptions } from "./mcp-options.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  Server,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "./mcp-sdk.js";
import { checkArguments } from "./tool-arguments.js";
import { UnreadResource, unreadUri } from "./unread-resource.js";

/** The name the MCP server gives itself in `initialize`. */
export const MAILBOX_MCP_SERVER_NAME = "agentwire-mailbox";

/** The version it gives. */
export const MAILBOX_MCP_SERVER_VERSION = "0.1.0";

/** How many unread deliveries reading the unread resource gives at most. */
const RESOURCE_LIMIT = 100;

/** An MCP server acting as one mailbox agent. */
export interface MailboxMcpServer {
  /** The SDK server (for custom transports). */
  readonly server: Server;
  /** The URI of the agent's unread resource. */
  readonly unreadUri: string;
  /** Connects it to a transport (e.g. `StdioServerTransport`) and starts the push watch. */
  connect(transport: Transport): Promise<void>;
  /** Ends the watch and the MCP connection (the mailbox client is the caller's to close). */
  close(): Promise<void>;
}

const hints: Partial<Record<string, string>> = {
  not_found: "not found (an unknown thread, or one this agent is not in)",
  forbidden: "forbidden (this agent's identity does not allow it)",
  unauthenticated:
    "unauthenticated (no token or an unknown one: give the agent's token with --token-file or AGENTWIRE_MAILBOX_TOKEN)",
  too_large: "too large (over a limit of the mailbox server; nothing was stored)",
  invalid_argument: "invalid argument",
  timeout: "timed out",
  aborted: "cancelled",
  rpc_failed: "the mailbox server failed or could not be reached",
  unavailable: "the mailbox server cannot take it now",
};

/** A thrown error as an MCP tool error result that says what was wrong. */
export function toolError(tool: string, error: unknown): CallToolResult {
  const e = AgentwireError.convert(error);
  const reason = error instanceof AgentwireError ? e.reason : "internal";
  const what = hints[reason] ?? reason;
  return {
    isError: true,
    content: [{ type: "text", text: `${tool} failed: ${what}: ${e.rawMessage}` }],
    structuredContent: { error: { tool, reason, message: e.rawMessage } },
  };
}

/**
 * Creates an MCP server that acts as `options.mailbox`'s agent: the mailbox
 * tools (send, reply_all, unread, receive, mark_read, threads, sync,
 * participants) and the subscribable resource `mailbox://<agentId>/unread`.
 * A failing call answers an MCP tool error (`isError: true`); nothing a
 * client sends crashes it.
 */
export function createMailboxMcpServer(options: MailboxMcpOptions): MailboxMcpServer {
  const o = resolveMailboxMcpOptions(options);
  const agentId = o.mailbox.agentId;
  const server = new Server(
    { name: MAILBOX_MCP_SERVER_NAME, version: MAILBOX_MCP_SERVER_VERSION },
    {
      capabilities: { tools: {}, resources: { subscribe: true } },
      instructions: `You are the agent "${agentId}" of an agent mailbox: other agents send you messages in threads, and you send, reply and read with these tools. Start a turn with \`unread\` (or \`receive\` for one sender), answer with \`reply_all\` in the message's thread, and \`mark_read\` up to the seq you handled. Subscribe to ${unreadUri(agentId)} to be told when mail arrives.`,
    },
  );
  const resource = new UnreadResource(o.mailbox, {
    notifyUpdated: (uri) => server.sendResourceUpdated({ uri }),
    log: o.onLog,
  });
  const settings = { recent: o.recent, previewChars: o.previewChars };
  const byName = new Map(mailboxTools.map((t) => [t.name, t]));

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: mailboxTools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
      annotations: { title: t.title, ...t.annotations },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    const tool = byName.get(name);
    if (tool === undefined) {
      return toolError(
        name,
        new AgentwireError(
          "invalid_argument",
          `unknown tool "${name}"; the tools are ${[...byName.keys()].join(", ")}`,
          Code.InvalidArgument,
        ),
      );
    }
    try {
      const args = checkArguments(name, tool.inputSchema, request.params.arguments);
      const out = await tool.run(o.mailbox, args, settings, extra.signal);
      if (name === "mark_read") resource.changed();
      return {
        content: [{ type: "text", text: out.text }],
        structuredContent: out.structured,
      } satisfies CallToolResult;
    } catch (e) {
      if (!(e instanceof AgentwireError)) o.onLog(`${name}: unexpected error: ${String(e)}`);
      return toolError(name, e);
    }
  });

  const known = (uri: string) => {
    if (!resource.is(uri))
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown resource ${JSON.stringify(uri)}; this server has ${resource.uri}`,
      );
  };
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: [resource.describe()],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    known(request.params.uri);
    try {
      return { contents: await resource.read(o.recent, RESOURCE_LIMIT, extra.signal) };
    } catch (e) {
      const err = AgentwireError.convert(e);
      throw new McpError(
        ErrorCode.InternalError,
        `reading ${resource.uri} failed: ${hints[err.reason] ?? err.reason}: ${err.rawMessage}`,
      );
    }
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    known(request.params.uri);
    resource.setSubscribed(true);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    known(request.params.uri);
    resource.setSubscribed(false);
    return {};
  });
  server.onerror = (e) => o.onLog(`mcp: ${e.message}`);

  return {
    server,
    unreadUri: resource.uri,
    async connect(transport) {
      await server.connect(transport);
      resource.start();
    },
    async close() {
      await resource.close();
      await server.close();
    },
  };
}
