import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMailboxClient, loadAgentMailbox } from "../agentsmcp-client.js";
import { startMailbox, type TestMailbox } from "../mailbox-harness.js";

const ADMIN = "admin-key-for-the-reference-client";

// The existing JS client (AgentMailbox from agentsmcp@0.5.2, unchanged) drives
// every core method against agentwire's server: in open mode as its examples
// do, and in token mode with each agent's token where it passes its API key.
describe.each(["open", "tokens"] as const)(
  "the agentsmcp@0.5.2 AgentMailbox client, %s mode",
  (auth) => {
    let mailbox: TestMailbox;
    let AgentMailbox: ReturnType<typeof loadAgentMailbox>;

    beforeAll(async () => {
      AgentMailbox = loadAgentMailbox();
      mailbox = await startMailbox(auth === "tokens" ? { auth, adminKey: ADMIN } : {});
    }, 120_000);
    afterAll(() => mailbox.close());

    /** A client for `agentId`; in token mode the administrator registers it first and its token is the API key. */
    const client = async (agentId: string): Promise<AgentMailboxClient> => {
      let apiKey: string | undefined;
      if (auth === "tokens") {
        const r = await mailbox.http("1.1", ADMIN).post("/agents/register", { agentId });
        apiKey = r.body.token;
      }
      return new AgentMailbox({ agentId, server: `${mailbox.url}/`, ...(apiKey && { apiKey }) });
    };

    it("connect, send (cc, bcc, threadId, replyTo, handoff), receive, unread, sync, threads, participants, replyAll, markRead", async () => {
      const orchestrator = await client("orchestrator@ref");
      const researcher = await client("researcher@ref");
      const writer = await client("writer@ref");
      const logger = await client("logger@ref");
      for (const c of [orchestrator, researcher, writer, logger]) await c.connect();

      const first = await orchestrator.send(
        "researcher@ref",
        { task: "find three sources on tides" },
        {
          cc: ["writer@ref"],
          bcc: ["logger@ref"],
          contextSnapshot: { topic: "tides", _secret: 1 },
        },
      );
      expect(first.deliveredTo).toEqual(["researcher@ref", "writer@ref", "logger@ref"]);

      const got = await researcher.receive("orchestrator@ref", { recent: 5 });
      expect(got.messages).toHaveLength(1);
      const frame = got.messages[0];
      expect(frame).toMatchObject({
        id: first.messageId,
        threadId: first.threadId,
        from: "orchestrator@ref",
        to: "researcher@ref",
        cc: ["writer@ref"],
        payload: { task: "find three sources on tides" },
      });
      expect(frame).not.toHaveProperty("bcc");
      expect(got.context.snapshot).toEqual({ topic: "tides", _secret: 1 });
      expect(got.context.recentMessages).toHaveLength(1);

      const loggerView = await logger.unread();
      expect(loggerView.map((m) => m.id)).toEqual([first.messageId]);
      expect(loggerView[0]).not.toHaveProperty("bcc");

      const handed = await researcher.send(
        "orchestrator@ref",
        { sources: ["a", "b", "c"] },
        {
          threadId: first.threadId,
          replyTo: first.messageId,
          cc: ["writer@ref"],
          contextSnapshot: { topic: "tides", found: 3, _scratch: "x" },
          handoff: { nextAction: "draft the summary", maxContextBytes: 1000 },
        },
      );
      expect(handed.threadId).toBe(first.threadId);

      const synced = await writer.sync(first.threadId, { recent: 10 });
      expect(synced.context.recentMessages.map((m: { id: string }) => m.id)).toEqual([
        first.messageId,
        handed.messageId,
      ]);
      const last = synced.context.recentMessages[1];
      expect(last.replyTo).toBe(first.messageId);
      expect(last.contextSnapshot).toMatchObject({
        version: 1,
        goal: "find three sources on tides",
        nextAction: "draft the summary",
        context: { topic: "tides", found: 3 },
      });
      expect(last.contextSnapshot.context).not.toHaveProperty("_scratch");
      for (const m of synced.context.recentMessages) expect(m).not.toHaveProperty("bcc");

      const threads = await orchestrator.threads();
      expect(threads.map((t) => t.id)).toEqual([first.threadId]);
      expect(threads[0].participants).toEqual(["orchestrator@ref", "researcher@ref", "writer@ref"]);
      expect(threads[0].silentParticipants).toEqual(["logger@ref"]);
      expect(threads[0].messages[0].bcc).toEqual(["logger@ref"]);
      expect((await writer.threads())[0].silentParticipants).toEqual([]);

      const seenByOrchestrator = await orchestrator.participants(first.threadId);
      expect(seenByOrchestrator.map((p) => [p.agentId, p.role])).toEqual([
        ["orchestrator@ref", "to"],
        ["researcher@ref", "to"],
        ["writer@ref", "cc"],
        ["logger@ref", "bcc"],
      ]);
      expect((await writer.participants(first.threadId)).map((p) => p.agentId)).not.toContain(
        "logger@ref",
      );

      const reply = await writer.replyAll(first.threadId, { draft: "tides are..." });
      expect(reply.deliveredTo).toEqual(["orchestrator@ref", "researcher@ref"]);

      expect((await researcher.unread()).map((m) => m.payload)).toEqual([
        { task: "find three sources on tides" },
        { draft: "tides are..." },
      ]);
      await researcher.markRead(first.threadId);
      expect(await researcher.unread()).toEqual([]);
      const empty = await researcher.receive();
      expect(empty).toEqual({
        messages: [],
        context: { snapshot: {}, threadSummary: "", recentMessages: [] },
      });
      // The logger, never a visible participant, is not among reply-all's targets.
      expect((await logger.unread()).map((m) => m.id)).toEqual([first.messageId]);
    });

    it("its errors carry the server's status: a non-participant's sync is 404", async () => {
      const outsider = await client("outsider@ref");
      const insider = await client("insider@ref");
      const sent = await insider.send("peer@ref", "private");
      await expect(outsider.sync(sent.threadId)).rejects.toThrow(/failed: 404/);
    });
  },
);
