import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../helpers/step.js";
import {
  freePort,
  type MailboxProcess,
  startMailboxProcess,
} from "../client/support/mailbox-process.js";
import { type McpAgent, startMcpAgent, textOf } from "./support/mcp-agent.js";

describe("a live MCP session across a mailbox server restart (SIGKILL)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "agentwire-mcp-restart-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the session: tools answer tool errors while it is down, and a send after the restart still notifies", async () => {
    const port = await freePort();
    const db = join(dir, "restart.sqlite");
    let server: MailboxProcess = await startMailboxProcess(port, db);
    const agents: McpAgent[] = [];
    try {
      const writer = await startMcpAgent("writer@restart", server.url);
      agents.push(writer);
      const reader = await startMcpAgent("reader@restart", server.url);
      agents.push(reader);
      const uri = "mailbox://reader@restart/unread";
      await reader.client.subscribeResource({ uri });
      const first = await writer.ok("send", { to: ["reader@restart"], payload: { n: 1 } });
      expect(await reader.updates.next("the update before the restart", 1000)).toBe(uri);
      await server.kill();
      // While the mailbox is down, a tool answers a tool error; the session lives on.
      const down = await reader.call("unread");
      expect(down.isError).toBe(true);
      expect(textOf(down)).toMatch(/mailbox server failed or could not be reached/);
      await until(
        () => reader.stderr.some((l) => l.includes("reconnecting in")),
        "the reader's watch to notice the restart",
      );

      server = await startMailboxProcess(port, db);
      const pendingBefore = reader.updates.pending;
      const second = await writer.ok("send", { to: ["reader@restart"], payload: { n: 2 } });
      expect(second.threadId).toBe(first.threadId);
      // The watch may be waiting out its backoff (at most 5 s) when the send commits.
      const update = await reader.updates.next("the update after the restart", 10_000);
      expect({ update, pendingBefore }).toEqual({ update: uri, pendingBefore: 0 });
      const read = await reader.client.readResource({ uri });
      const frames = JSON.parse((read.contents[0] as { text: string }).text) as {
        deliveries: { seq: number; message: { payload: unknown } }[];
      };
      expect(frames.deliveries.map((d) => [d.seq, d.message.payload])).toEqual([
        [1, { n: 1 }],
        [2, { n: 2 }],
      ]);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      await server.stop();
    }
  }, 60_000);
});
