import { execFileSync, spawnSync } from "node:child_process";
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

  it("agentwire dev and agentwire mailbox resolve no module of the SDK, nor each other's code", () => {
    const dev = resolvedBy(dir, "dev", ["bin/agentwire.ts", "dev", "--help"]);
    expect(dev.some((u) => u.includes("/src/sidecar/cli.ts"))).toBe(true);
    expect(dev.some((u) => u.includes("/src/mailbox/"))).toBe(false);
    expect(sdk(dev)).toEqual([]);
    const mailbox = resolvedBy(dir, "mailbox", ["bin/agentwire.ts", "mailbox", "--help"]);
    expect(mailbox.some((u) => u.includes("/src/mailbox/server/cli.ts"))).toBe(true);
    expect(mailbox.some((u) => u.includes("/src/sidecar/"))).toBe(false);
    expect(sdk(mailbox)).toEqual([]);
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

describe("without @modelcontextprotocol/sdk installed", { timeout: 60_000 }, () => {
  const withoutSdk = [
    "--import",
    "tsx",
    "--import",
    "./test/helpers/register-without-packages.mjs",
  ];
  const env = { ...process.env, AGENTWIRE_WITHOUT_PACKAGES: "@modelcontextprotocol/sdk" };
  const message =
    "The mailbox MCP server (agentwire/mailbox-mcp) needs the optional package @modelcontextprotocol/sdk, which is not installed: npm install @modelcontextprotocol/sdk";

  it("importing agentwire/mailbox-mcp is an AgentwireError naming the package and how to install it", () => {
    const out = execFileSync(
      process.execPath,
      [...withoutSdk, "test/mailbox/mcp/support/import-without-sdk.ts"],
      { cwd: projectRoot, encoding: "utf8", env },
    );
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const expected = { name: "ConnectError", reason: "unsupported", message };
    // Every import of the entry fails the same way (the module's failure is kept).
    expect(lines).toEqual([expected, expected]);
  });

  it("agentwire mailbox mcp prints that error alone and exits 1", () => {
    const run = spawnSync(
      process.execPath,
      [
        ...withoutSdk,
        "bin/agentwire.ts",
        "mailbox",
        "mcp",
        "--agent",
        "a@demo",
        "--url",
        "http://127.0.0.1:1",
      ],
      { cwd: projectRoot, encoding: "utf8", input: "", env },
    );
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 1,
      stdout: "",
      stderr: `agentwire mailbox mcp: ${message}\n`,
    });
  });
});
