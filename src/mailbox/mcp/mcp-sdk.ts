/**
 * The parts of the MCP SDK (`@modelcontextprotocol/sdk`, an optional peer
 * dependency) that the mailbox MCP server uses, loaded through the optional
 * package helper: without the SDK installed, importing `agentwire/mailbox-mcp`
 * or running `agentwire mailbox mcp` fails with an AgentwireError (reason
 * `unsupported`) naming the package and the `npm install` line, instead of
 * Node's bare resolution error. The rest of `src/mailbox/mcp` imports the SDK's
 * values from here only (its types may be imported directly).
 *
 * @module
 */
import type * as ServerModule from "@modelcontextprotocol/sdk/server/index.js";
import type * as StdioModule from "@modelcontextprotocol/sdk/server/stdio.js";
import type * as TypesModule from "@modelcontextprotocol/sdk/types.js";
import { importOptionalModule } from "../store/optional-package.js";

/** What the error says needs the SDK. */
const WHAT = "The mailbox MCP server (agentwire/mailbox-mcp)";

const [serverModule, stdioModule, typesModule] = await Promise.all([
  importOptionalModule<typeof ServerModule>("@modelcontextprotocol/sdk/server/index.js", WHAT),
  importOptionalModule<typeof StdioModule>("@modelcontextprotocol/sdk/server/stdio.js", WHAT),
  importOptionalModule<typeof TypesModule>("@modelcontextprotocol/sdk/types.js", WHAT),
]);

/** The SDK's low-level MCP server. */
export const Server = serverModule.Server;
/** The SDK's low-level MCP server. */
export type Server = ServerModule.Server;

/** The SDK's stdio transport. */
export const StdioServerTransport = stdioModule.StdioServerTransport;

/** The SDK's JSON-RPC error. */
export const McpError = typesModule.McpError;
/** The SDK's JSON-RPC error. */
export type McpError = TypesModule.McpError;

/** The SDK's JSON-RPC error codes. */
export const ErrorCode = typesModule.ErrorCode;

/** The request schemas the server handles. */
export const {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} = typesModule;
