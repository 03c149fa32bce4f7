import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTeam, team } from "../../examples/mailbox-team.js";
import { startServer } from "../mailbox/client/support/server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("examples/mailbox-team.ts", () => {
  it("runs the orchestrator / researcher / writer / logger flow with watch against a real server", async () => {
    const server = await startServer();
    const lines: string[] = [];
    try {
      const { draft, logged } = await runTeam({ baseUrl: server.url, log: (l) => lines.push(l) });
      expect(draft).toBe(
        "how agentwire's mailbox keeps agents warm: mail is pushed, not polled; resume is by delivery sequence.",
      );
      // The logger was bcc'd on the task only: reply-all never reaches it.
      expect(logged).toEqual([`${team.orchestrator} -> task`]);
      expect(lines).toContain("logger: orchestrator@team sent a task (bcc visible: false)");
      expect(lines.some((l) => l.startsWith("writer: 2 findings from researcher@team"))).toBe(true);
      expect(lines.at(-1)).toBe(
        // The writer answered, and a sender counts as `to`.
        "participants: orchestrator@team (to), researcher@team (to), writer@team (to), logger@team (bcc)",
      );
    } finally {
      await server.close();
    }
  });

  it("npm run example:mailbox starts its own server, completes the flow and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/mailbox-team.ts"], {
      cwd: root,
      env: { ...process.env, MAILBOX_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/mailbox server at http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain("flow complete");
  }, 30_000);
});
