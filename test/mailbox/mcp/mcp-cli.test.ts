import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `agentwire mailbox mcp ARGS`; `input` is written to stdin, which is
 * closed once `answers` lines came on stdout (at once when 0).
 */
function run(args: string[], input = "", answers = 0): Promise<Run> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "bin/agentwire.ts", "mailbox", "mcp", ...args],
    { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
    if (answers > 0 && stdout.split("\n").length - 1 >= answers) child.stdin.end();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const done = new Promise<Run>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, stderr })),
  );
  if (answers > 0) child.stdin.write(input);
  else child.stdin.end(input);
  return done;
}

describe("the agentwire mailbox mcp command line", { timeout: 60_000 }, () => {
  it("refuses a token on the command line, where ps would show it", async () => {
    const r = await run(["--agent", "a@x", "--url", "http://127.0.0.1:1", "--token", "s3cret"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--token is not accepted");
    expect(r.stderr).toContain("--token-file");
    expect(r.stdout).toBe("");
  });

  it("names what is missing or wrong and exits 2", async () => {
    const [noAgent, badUrl, noFile] = await Promise.all([
      run(["--url", "http://127.0.0.1:1"]),
      run(["--agent", "a@x", "--url", "ftp://nowhere"]),
      run(["--agent", "a@x", "--url", "http://127.0.0.1:1", "--token-file", "/nonexistent/token"]),
    ]);
    expect(noAgent.code).toBe(2);
    expect(noAgent.stderr).toContain("--agent ID is required");
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("baseUrl must be an http:// or https:// URL");
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("--token-file /nonexistent/token");
    expect(noFile.stdout).toBe("");
  });

  it("prints its help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: agentwire mailbox mcp --agent ID --url URL");
  });

  it("answers on stdout only in the protocol, logs on stderr, and exits 0 when the client closes stdin", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" },
      },
    };
    // The mailbox is not reachable (port 1): the server starts anyway, its watch retries.
    const r = await run(
      ["--agent", "a@x", "--url", "http://127.0.0.1:1"],
      `${JSON.stringify(init)}\n`,
      1,
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1]);
    expect(JSON.parse(lines[0] as string).result.serverInfo.name).toBe("agentwire-mailbox");
    expect(r.stderr).toContain("acting as a@x at http://127.0.0.1:1");
  });
});
