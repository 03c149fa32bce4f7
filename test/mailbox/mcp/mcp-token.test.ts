import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMailbox } from "agentwire/mailbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  type MailboxProcess,
  startMailboxProcess,
} from "../client/support/mailbox-process.js";
import { type McpAgent, startMcpAgent, textOf } from "./support/mcp-agent.js";

const adminKey = "admin-key-of-the-mcp-token-test-0123456789";

describe("agentwire mailbox mcp in token mode", { timeout: 60_000 }, () => {
  let dir: string;
  let server: MailboxProcess;
  const tokens: Record<string, string> = {};
  const agents: McpAgent[] = [];
  const agent = async (id: string, options: Parameters<typeof startMcpAgent>[2]) => {
    const a = await startMcpAgent(id, server.url, options);
    agents.push(a);
    return a;
  };
  const tokenFile = (id: string) => {
    const file = join(dir, `${id}.token`);
    writeFileSync(file, `${tokens[id]}\n`, { mode: 0o600 });
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "agentwire-mcp-token-"));
    const keyFile = join(dir, "admin.key");
    writeFileSync(keyFile, adminKey, { mode: 0o600 });
    server = await startMailboxProcess(await freePort(), join(dir, "mail.sqlite"), [
      "--auth",
      "tokens",
      "--admin-key-file",
      keyFile,
    ]);
    for (const id of ["ann@tok", "ben@tok"]) {
      const admin = createMailbox({ agentId: id, baseUrl: server.url, token: adminKey });
      try {
        const registration = await admin.register();
        expect(typeof registration.token).toBe("string");
        tokens[id] = registration.token as string;
      } finally {
        admin.close();
      }
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("acts with the token from --token-file or AGENTWIRE_MAILBOX_TOKEN, and pushes in token mode", async () => {
    const ann = await agent("ann@tok", { args: ["--token-file", tokenFile("ann@tok")] });
    const ben = await agent("ben@tok", {
      env: { AGENTWIRE_MAILBOX_TOKEN: tokens["ben@tok"] ?? "" },
    });
    expect(ann.stderr.join("\n")).toContain("(token mode)");
    const uri = "mailbox://ben@tok/unread";
    await ben.client.subscribeResource({ uri });
    const sent = await ann.ok("send", { to: ["ben@tok"], payload: "with a token" });
    expect(await ben.updates.next("ben's update in token mode", 1000)).toBe(uri);
    const got = (await ben.ok("receive", { from: "ann@tok" })) as {
      messages: { message: { id: string; payload: unknown } }[];
    };
    expect(got.messages.map((m) => [m.message.id, m.message.payload])).toEqual([
      [sent.messageId, "with a token"],
    ]);
  });

  it("another agent's token is refused as forbidden, no token as unauthenticated: tool errors that say so", async () => {
    // Claims ann, proves ben.
    const spoof = await agent("ann@tok", { args: ["--token-file", tokenFile("ben@tok")] });
    const forbidden = await spoof.call("send", { to: ["ben@tok"], payload: "forged" });
    expect(forbidden.isError).toBe(true);
    expect(textOf(forbidden)).toMatch(/^send failed: forbidden/);
    const anonymous = await agent("ann@tok", {});
    const refused = await anonymous.call("unread");
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/unauthenticated .*--token-file or AGENTWIRE_MAILBOX_TOKEN/);
    expect((refused.structuredContent as { error: { reason: string } }).error.reason).toBe(
      "unauthenticated",
    );
  });
});
