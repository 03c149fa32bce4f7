/**
 * `agentwire/mailbox-mcp`: the mailbox as MCP tools. An MCP server (over the
 * optional peer dependency `@modelcontextprotocol/sdk`) that acts as one
 * mailbox agent through the typed client, with the tools send, reply_all,
 * unread, receive, mark_read, threads, sync and participants, and the
 * subscribable resource `mailbox://<agentId>/unread`; and the
 * `agentwire mailbox mcp` command that runs it over stdio. Without the SDK
 * installed, importing this entry rejects with an AgentwireError (reason
 * `unsupported`) that names it and says `npm install @modelcontextprotocol/sdk`.
 *
 * @module
 */
export {
  MCP_CLI_USAGE as MAILBOX_MCP_CLI_USAGE,
  main as mailboxMcpMain,
  TOKEN_ENV,
} from "./cli.js";
export type { MailboxTool, ToolHints, ToolOutput, ToolSettings } from "./mailbox-tools.js";
export { mailboxTools } from "./mailbox-tools.js";
export {
  type MailboxMcpOptions,
  type ResolvedMailboxMcpOptions,
  resolveMailboxMcpOptions,
} from "./mcp-options.js";
export {
  createMailboxMcpServer,
  MAILBOX_MCP_SERVER_NAME,
  MAILBOX_MCP_SERVER_VERSION,
  type MailboxMcpServer,
  toolError,
} from "./mcp-server.js";
export type { ArgumentSchema, ToolInputSchema } from "./tool-arguments.js";
export { checkArguments } from "./tool-arguments.js";
export { unreadUri } from "./unread-resource.js";
