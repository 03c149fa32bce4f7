import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  type MailboxProcess,
  startMailboxProcess,
} from "../client/support/mailbox-process.js";
import { type McpAgent, startMcpAgent, textOf } from "./support/mcp-agent.js";

const toolNames = [
  "send",
  "reply_all",
  "unread",
  "receive",
  "mark_read",
  "threads",
  "sync",
  "participants",
];

type Delivery = {
  seq: number;
  threadId: string;
  message: { id: string; from: string; payload: unknown };
};

describe("agentwire mailbox mcp: the mailbox as MCP tools over stdio", { timeout: 60_000 }, () => {
  let dir: string;
  let server: MailboxProcess;
  let alice: McpAgent;
  let bob: McpAgent;
  let carol: McpAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "agentwire-mcp-"));
    server = await startMailboxProcess(await freePort(), join(dir, "mail.sqlite"));
    [alice, bob, carol] = await Promise.all([
      startMcpAgent("alice@mcp", server.url),
      startMcpAgent("bob@mcp", server.url),
      startMcpAgent("carol@mcp", server.url),
    ]);
  }, 60_000);

  afterAll(async () => {
    // Every MCP session (and so every mailbox connection) ends before the server.
    await Promise.all([alice, bob, carol].map((a) => a?.close()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("initializes as agentwire-mailbox with tools and subscribable resources", () => {
    expect(alice.client.getServerVersion()?.name).toBe("agentwire-mailbox");
    const caps = alice.client.getServerCapabilities();
    expect(caps?.tools).toBeDefined();
    expect(caps?.resources?.subscribe).toBe(true);
    expect(alice.client.getInstructions()).toContain("alice@mcp");
  });

  it("lists the eight tools with JSON Schema inputs a model can act on", async () => {
    const { tools } = await alice.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(toolNames);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe("object");
      expect((t.inputSchema as { additionalProperties?: unknown }).additionalProperties).toBe(
        false,
      );
      expect(t.description?.length ?? 0).toBeGreaterThan(40);
      for (const p of Object.values(t.inputSchema.properties ?? {}))
        expect((p as { description?: string }).description).toBeTruthy();
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.send?.inputSchema.required).toEqual(["to", "payload"]);
    expect(Object.keys(byName.send?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["to", "cc", "bcc", "payload", "contextSnapshot", "threadId"]),
    );
    expect(byName.send?.inputSchema.properties?.to).toMatchObject({
      type: "array",
      items: { type: "string" },
      minItems: 1,
    });
    expect(byName.reply_all?.inputSchema.required).toEqual(["threadId", "payload"]);
    expect(byName.mark_read?.inputSchema.properties?.upTo).toMatchObject({
      type: "integer",
      minimum: 0,
    });
    expect(byName.receive?.inputSchema.properties?.from).toMatchObject({ type: "string" });
    expect(byName.unread?.annotations?.readOnlyHint).toBe(true);
    expect(byName.send?.annotations?.readOnlyHint).toBe(false);
  });

  it("a send from one MCP agent is received by another, with its context, and marked read", async () => {
    const sent = await alice.ok("send", {
      to: ["bob@mcp"],
      payload: { task: "summarize the findings" },
      contextSnapshot: { stage: "research" },
    });
    expect(sent.deliveredTo).toEqual(["bob@mcp"]);
    const threadId = sent.threadId as string;
    const received = await bob.call("receive", { from: "alice@mcp" });
    expect(received.isError).toBeFalsy();
    const got = received.structuredContent as {
      count: number;
      messages: Delivery[];
      context: { snapshot: unknown };
    };
    expect(got.count).toBe(1);
    expect(got.messages[0]?.message).toMatchObject({
      id: sent.messageId,
      from: "alice@mcp",
      payload: { task: "summarize the findings" },
    });
    expect(got.messages[0]?.seq).toBe((sent.deliveries as { seq: number }[])[0]?.seq);
    expect(got.context.snapshot).toEqual({ stage: "research" });
    // The text a model reads names the sender, the thread and the payload.
    expect(textOf(received)).toContain("from alice@mcp");
    expect(textOf(received)).toContain(threadId);
    expect(textOf(received)).toContain("summarize the findings");

    const read = await bob.ok("mark_read", { threadId, upTo: got.messages[0]?.seq });
    expect(read).toEqual({ threadId, upTo: got.messages[0]?.seq });
    expect((await bob.ok("unread")).count).toBe(0);
    expect(textOf(await bob.call("unread"))).toBe("No unread messages.");
  });

  it("reply_all answers every visible participant but the replier, never the bcc", async () => {
    const sent = await carol.ok("send", {
      to: ["bob@mcp"],
      cc: ["alice@mcp"],
      bcc: ["dave@mcp"],
      payload: "draft ready",
    });
    const threadId = sent.threadId as string;
    expect(sent.deliveredTo).toEqual(["bob@mcp", "alice@mcp", "dave@mcp"]);
    const { participants } = (await carol.ok("participants", { threadId })) as {
      participants: { agentId: string; role: string }[];
    };
    expect(participants.map((p) => [p.agentId, p.role])).toEqual([
      ["carol@mcp", "to"],
      ["bob@mcp", "to"],
      ["alice@mcp", "cc"],
      ["dave@mcp", "bcc"],
    ]);
    // bob does not see carol's bcc.
    const bobView = (await bob.ok("participants", { threadId })) as {
      participants: { agentId: string }[];
    };
    expect(bobView.participants.map((p) => p.agentId)).toEqual([
      "carol@mcp",
      "bob@mcp",
      "alice@mcp",
    ]);
    const replied = await bob.ok("reply_all", { threadId, payload: "looks good" });
    expect(replied.threadId).toBe(threadId);
    expect([...(replied.deliveredTo as string[])].sort()).toEqual(["alice@mcp", "carol@mcp"]);
    const aliceUnread = (await alice.ok("unread")).deliveries as Delivery[];
    expect(
      aliceUnread.filter((d) => d.threadId === threadId).map((d) => d.message.payload),
    ).toEqual(["draft ready", "looks good"]);
    const synced = (await alice.ok("sync", { threadId, recent: 5 })) as {
      context: { recentMessages: { payload: unknown }[] };
    };
    expect(synced.context.recentMessages.map((m) => m.payload)).toEqual([
      "draft ready",
      "looks good",
    ]);
    const listing = (await alice.ok("threads")) as {
      threads: { id: string; messageCount: number; lastMessage?: { payload: unknown } }[];
      total: number;
    };
    const row = listing.threads.find((t) => t.id === threadId);
    expect(row).toMatchObject({ messageCount: 2, lastMessage: { payload: "looks good" } });
    expect(listing.total).toBeGreaterThanOrEqual(2);
  });

  it("pages unread with limit and after, and says when more follow", async () => {
    await alice.ok("send", { to: ["bob@mcp"], payload: "page 1" });
    await alice.ok("send", { to: ["bob@mcp"], payload: "page 2" });
    const all = (await bob.ok("unread", { limit: 500 })) as {
      deliveries: Delivery[];
      hasMore: boolean;
    };
    expect(all.hasMore).toBe(false);
    expect(all.deliveries.length).toBeGreaterThanOrEqual(2);
    const paged: number[] = [];
    let after = 0;
    for (;;) {
      const page = await bob.call("unread", { limit: 1, after });
      const view = page.structuredContent as { deliveries: Delivery[]; hasMore: boolean };
      expect(view.deliveries.length).toBe(1);
      const seq = view.deliveries[0]?.seq as number;
      paged.push(seq);
      if (!view.hasMore) break;
      expect(textOf(page)).toContain(`call again with after=${seq}`);
      after = seq;
    }
    expect(paged).toEqual(all.deliveries.map((d) => d.seq));
  });

  it("a subscriber to mailbox://ID/unread is notified within a second of a send, and reading it gives the unread frames", async () => {
    const uri = "mailbox://carol@mcp/unread";
    const { resources } = await carol.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([uri]);
    await carol.client.subscribeResource({ uri });
    const before = carol.updates.all.length;
    const sent = await alice.ok("send", { to: ["carol@mcp"], payload: { ping: 1 } });
    expect(await carol.updates.next("resources/updated after a send", 1000)).toBe(uri);
    expect(carol.updates.all.length).toBeGreaterThan(before);
    const read = await carol.client.readResource({ uri });
    const content = read.contents[0] as { mimeType?: string; text: string };
    expect(content.mimeType).toBe("application/json");
    const frames = JSON.parse(content.text) as {
      deliveries: Delivery[];
      contexts: Record<string, unknown>;
    };
    const frame = frames.deliveries.find((d) => d.message.id === sent.messageId);
    expect(frame?.message.payload).toEqual({ ping: 1 });
    expect(frames.contexts[sent.threadId as string]).toBeDefined();

    // Marking read changes the resource too; after unsubscribing, nothing more comes.
    await carol.ok("mark_read", { threadId: sent.threadId });
    expect(await carol.updates.next("resources/updated after mark_read", 1000)).toBe(uri);
    await carol.client.unsubscribeResource({ uri });
    await alice.ok("send", { to: ["carol@mcp"], payload: { ping: 2 } });
    // A notification bob's own subscription gets proves the push ran; carol's must stay quiet.
    const bobUri = "mailbox://bob@mcp/unread";
    await bob.client.subscribeResource({ uri: bobUri });
    await carol.ok("send", { to: ["bob@mcp"], payload: "after unsubscribe" });
    expect(await bob.updates.next("bob's resources/updated", 1000)).toBe(bobUri);
    expect(carol.updates.pending).toBe(0);
    await bob.client.unsubscribeResource({ uri: bobUri });
  });

  it("answers bad arguments and refusals as tool errors that say what was wrong", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["send", { payload: "x" }, /missing required argument "to"/],
      ["send", { to: "bob@mcp", payload: "x" }, /"to" must be an array/],
      ["send", { to: [], payload: "x" }, /"to" must be an array of at least 1 item/],
      ["send", { to: ["bob@mcp", 7], payload: "x" }, /"to\[1\]" must be a non-empty string, got 7/],
      ["send", { to: ["bob@mcp"], payload: "x", colour: "red" }, /unknown argument "colour"/],
      [
        "send",
        { to: ["bob@mcp"], payload: "x", contextSnapshot: [1] },
        /"contextSnapshot" must be a JSON object/,
      ],
      [
        "send",
        { to: ["bob@mcp"], payload: "x", threadId: "no-such-thread" },
        /not found.*no-such-thread/,
      ],
      ["reply_all", { threadId: "no-such-thread", payload: "x" }, /not found.*no-such-thread/],
      ["mark_read", { threadId: "t", upTo: -1 }, /"upTo" must be an integer of at least 0, got -1/],
      ["sync", { threadId: "no-such-thread" }, /not found.*thread no-such-thread not found/],
      ["participants", {}, /missing required argument "threadId"/],
      ["unread", { recent: 51 }, /"recent" must be an integer from 1 to 50/],
      ["threads", { limit: 1.5 }, /"limit" must be an integer/],
      ["send", { to: ["bob@mcp"], payload: "x".repeat(1024 * 1024 + 10) }, /too large/],
      ["launch_rockets", {}, /unknown tool "launch_rockets"/],
    ];
    for (const [name, args, expected] of cases) {
      const result = await alice.call(name, args);
      expect({ name, isError: result.isError }).toEqual({ name, isError: true });
      expect(textOf(result)).toMatch(expected);
      expect((result.structuredContent as { error: { reason: string } }).error.reason).toBeTruthy();
    }
    // Nothing of that crashed the server: it still answers.
    expect((await alice.ok("threads")).total).toBeGreaterThan(0);
    await expect(alice.client.readResource({ uri: "mailbox://bob@mcp/unread" })).rejects.toThrow(
      /unknown resource/,
    );
    expect(alice.stderr.join("\n")).not.toMatch(/unexpected error/);
  });
});
