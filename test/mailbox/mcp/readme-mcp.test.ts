import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mailboxTools } from "agentwire/mailbox-mcp";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";

/** The README's "The mailbox as MCP tools" section. */
function section(): string {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const start = readme.indexOf("### The mailbox as MCP tools");
  expect(start).toBeGreaterThan(-1);
  const rest = readme.slice(start + 1);
  const end = rest.search(/\n##+ /);
  return end === -1 ? rest : rest.slice(0, end);
}

describe("the README's MCP section", { timeout: 60_000 }, () => {
  it("lists exactly the tools the server has", () => {
    const rows = [...section().matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(mailboxTools.map((t) => t.name));
  });

  it("has a client configuration whose command line the CLI accepts", () => {
    const json = /```json\n([\s\S]*?)```/.exec(section())?.[1];
    const config = JSON.parse(json ?? "") as {
      mcpServers: Record<string, { command: string; args: string[] }>;
    };
    const server = Object.values(config.mcpServers)[0];
    expect(server?.command).toBe("npx");
    expect(server?.args.slice(0, 3)).toEqual(["agentwire", "mailbox", "mcp"]);
    // The same arguments, from the checkout (with --help: parsed strictly, then nothing runs).
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "bin/agentwire.ts", ...(server?.args.slice(1) ?? []), "--help"],
      { cwd: projectRoot, encoding: "utf8" },
    );
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toContain("Usage: agentwire mailbox mcp");
  });
});
