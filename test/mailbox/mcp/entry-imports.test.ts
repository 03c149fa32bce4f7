import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";

/** Runs node with `args` and answers every module URL it resolved. */
function resolvedBy(dir: string, name: string, args: string[]): string[] {
  const file = join(dir, `${name}.txt`);
  execFileSync(
    process.execPath,
    ["--import", "tsx", "--import", "./test/mailbox/mcp/support/record-resolutions.mjs", ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, AGENTWIRE_RECORD_RESOLUTIONS: file },
      encoding: "utf8",
    },
  );
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

const sdk = (urls: string[]) => urls.filter((u) => u.includes("@modelcontextprotocol"));

describe("the MCP SDK is loaded only by agentwire mailbox mcp and agentwire/mailbox-mcp", {
  timeout: 60_000,
}, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "agentwire-mcp-imports-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("import 'agentwire' and 'agentwire/mailbox' resolve no module of the SDK", () => {
    const urls = resolvedBy(dir, "entries", [
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(join(projectRoot, "src/index.ts"))});
       await import(${JSON.stringify(join(projectRoot, "src/mailbox/client/index.ts"))});`,
    ]);
    expect(urls.some((u) => u.includes("/src/mailbox/client/mailbox-client.ts"))).toBe(true);
    expect(sdk(urls)).toEqual([]);
  });

  it("the agentwire command (as for agentwire dev) resolves no module of the SDK", () => {
    const urls = resolvedBy(dir, "bin", ["bin/agentwire.ts", "--help"]);
    expect(urls.some((u) => u.includes("/src/sidecar/cli.ts"))).toBe(true);
    expect(sdk(urls)).toEqual([]);
  });

  it("agentwire/mailbox-mcp does load it (the check above can fail)", () => {
    const urls = resolvedBy(dir, "mcp", [
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(join(projectRoot, "src/mailbox/mcp/index.ts"))});`,
    ]);
    expect(sdk(urls).length).toBeGreaterThan(0);
  });
});
