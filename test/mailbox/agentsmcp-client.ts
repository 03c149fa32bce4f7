/**
 * The real existing AgentMailbox JS client, from the published npm package
 * `agentsmcp@0.5.2`, without making that (large) package a dependency: once,
 * `npm pack` fetches its tarball into a git-ignored cache folder and only the
 * client's files are extracted (`dist/agentmailbox.js` and the siblings it
 * requires); then it is loaded with `createRequire`. Used only to show that the
 * existing client works against agentwire's server unchanged.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { projectRoot } from "../helpers/buf.js";

/** The package and version of the reference client. */
export const AGENTSMCP = "agentsmcp@0.5.2";

const cache = join(projectRoot, "node_modules", ".cache", "agentwire-test", "agentsmcp");
const files = ["agentmailbox.js", "annotator.js", "annotations.js", "context.js", "types.js"];

/** The reference client's constructor options. */
export interface AgentMailboxConfig {
  agentId: string;
  server?: string;
  apiKey?: string;
}

/** The reference client's core methods, as its own `.d.ts` declares them. */
export interface AgentMailboxClient {
  getAgentId(): string;
  connect(): Promise<void>;
  send(
    to: string,
    payload: unknown,
    options?: {
      threadId?: string;
      contextSnapshot?: Record<string, unknown>;
      handoff?: {
        goal?: string;
        nextAction?: string;
        includeFields?: string[];
        maxContextBytes?: number;
      };
      cc?: string[];
      bcc?: string[];
      replyTo?: string;
    },
  ): Promise<{ messageId: string; threadId: string; deliveredTo: string[] }>;
  replyAll(
    threadId: string,
    payload: unknown,
    options?: { contextSnapshot?: Record<string, unknown> },
  ): Promise<{ messageId: string; threadId: string; deliveredTo: string[] }>;
  // biome-ignore lint/suspicious/noExplicitAny: the client's frames are checked field by field.
  receive(from?: string, opts?: { recent?: number }): Promise<{ messages: any[]; context: any }>;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  unread(): Promise<any[]>;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  sync(threadId: string, opts?: { recent?: number }): Promise<{ context: any }>;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  threads(): Promise<any[]>;
  participants(threadId: string): Promise<{ agentId: string; role: string; joinedAt: number }[]>;
  markRead(threadId: string): Promise<void>;
}

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** Fetches (once) and loads the `AgentMailbox` class of agentsmcp@0.5.2. */
export function loadAgentMailbox(): new (config: AgentMailboxConfig) => AgentMailboxClient {
  const dist = join(cache, "package", "dist");
  if (!existsSync(join(dist, "agentmailbox.js"))) {
    mkdirSync(cache, { recursive: true });
    // Fetched and extracted aside, then moved in one step: a half-done fetch is never used.
    const scratch = mkdtempSync(join(cache, ".fetch-"));
    try {
      run("npm", ["pack", AGENTSMCP, "--silent", "--pack-destination", scratch], scratch);
      const wanted = ["package/package.json", ...files.map((f) => `package/dist/${f}`)];
      run("tar", ["-xzf", "agentsmcp-0.5.2.tgz", ...wanted], scratch);
      rmSync(join(cache, "package"), { recursive: true, force: true });
      renameSync(join(scratch, "package"), join(cache, "package"));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const require = createRequire(join(dist, "agentmailbox.js"));
  const mod = require("./agentmailbox.js") as {
    AgentMailbox: new (config: AgentMailboxConfig) => AgentMailboxClient;
  };
  return mod.AgentMailbox;
}
