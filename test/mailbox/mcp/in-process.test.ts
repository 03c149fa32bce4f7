import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { AgentwireError } from "agentwire/mailbox";
import { createMailboxMcpServer, unreadUri } from "agentwire/mailbox-mcp";
import { createTestMailbox, type TestMailbox } from "agentwire/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Inbox } from "../../helpers/step.js";

describe("createMailboxMcpServer in process (agentwire/mailbox-mcp over the test mailbox)", () => {
  let mb: TestMailbox;
  beforeEach(async () => {
    mb = await createTestMailbox();
  });
  afterEach(async () => {
    await mb.close();
  });

  it("checks its options, naming the one that is wrong", () => {
    const mailbox = mb.agent("opt@x");
    const reason = (f: () => unknown) => {
      try {
        f();
        return "accepted";
      } catch (e) {
        return `${(e as AgentwireError).reason}: ${(e as AgentwireError).rawMessage}`;
      }
    };
    expect(reason(() => createMailboxMcpServer({ mailbox, recent: 0 }))).toMatch(
      /^invalid_argument: .*recent must be a whole number from 1 to 50/,
    );
    expect(reason(() => createMailboxMcpServer({ mailbox, previewChars: 5 }))).toMatch(
      /^invalid_argument: .*previewChars/,
    );
    expect(reason(() => createMailboxMcpServer({} as never))).toMatch(
      /^invalid_argument: .*mailbox/,
    );
  });

  it("serves the tools and the unread push to a client over any transport; close resolves once its watch ended", async () => {
    const logs: string[] = [];
    const mcp = createMailboxMcpServer({
      mailbox: mb.agent("host@x"),
      recent: 1,
      previewChars: 20,
      onLog: (l) => logs.push(l),
    });
    expect(mcp.unreadUri).toBe(unreadUri("host@x"));
    expect(unreadUri("odd/agent?#")).toBe("mailbox://odd%2Fagent%3F%23/unread");
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    const client = new Client({ name: "in-process", version: "0" });
    const updates = new Inbox<string>();
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      updates.push(n.params.uri),
    );
    await client.connect(clientSide);
    try {
      await client.subscribeResource({ uri: mcp.unreadUri });
      const peer = mb.agent("peer@x");
      await peer.send("host@x", { long: "x".repeat(100) });
      await peer.send("host@x", "second");
      expect(await updates.next("an update", 1000)).toBe(mcp.unreadUri);
      const result = await client.callTool({ name: "unread", arguments: {} });
      const view = result.structuredContent as {
        count: number;
        contexts: Record<string, { recentMessages: unknown[] }>;
      };
      expect(view.count).toBe(2);
      // recent: 1 is the default of every context; previewChars cuts the digest, not the data.
      for (const c of Object.values(view.contexts)) expect(c.recentMessages).toHaveLength(1);
      const text = (result.content as { text: string }[])[0]?.text ?? "";
      expect(text).toContain('{"long":"xxxxxxxxxxx... (cut)');
      expect(JSON.stringify(result.structuredContent)).toContain("x".repeat(100));
    } finally {
      await mcp.close();
      await client.close();
    }
    expect(logs.some((l) => l.startsWith("mailbox watch"))).toBe(true);
  });
});
