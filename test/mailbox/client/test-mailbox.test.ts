import { AgentwireError, createMailbox, type Mailbox } from "agentwire/mailbox";
import { createTestMailbox, FakeSidecarError } from "agentwire/testing";
import { describe, expect, it } from "vitest";

type Work = { task: string } | { findings: string[] };

/** The agent under test, as its author wrote it: answers every task with findings, to all. */
async function runResearcher(mailbox: Mailbox<Work>, signal: AbortSignal): Promise<void> {
  for await (const d of mailbox.watch({ signal })) {
    if (!("task" in d.message.payload)) continue;
    await mailbox.replyAll(d.threadId, { findings: [`about ${d.message.payload.task}`] });
    await mailbox.markRead(d.threadId, { upTo: d.seq });
  }
}

describe("createTestMailbox", () => {
  it("tests a multi-agent flow in memory: the agent under test answers to all, the test waits for the mail", async () => {
    const mb = await createTestMailbox();
    const ac = new AbortController();
    try {
      expect(mb.url).toBeUndefined(); // no port
      const orchestrator = mb.agent<Work>("orchestrator@t");
      const running = runResearcher(mb.agent<Work>("researcher@t"), ac.signal);
      const sent = await orchestrator.send(
        "researcher@t",
        { task: "sqlite" },
        { cc: ["writer@t"], bcc: ["logger@t"] },
      );
      const reply = await mb.waitForDelivery("orchestrator@t", {
        from: "researcher@t",
        threadId: sent.threadId,
      });
      expect(reply.message.payload).toEqual({ findings: ["about sqlite"] });
      expect(reply.message.to).toEqual(["orchestrator@t"]);
      expect(reply.message.cc).toEqual(["writer@t"]);
      const toWriter = await mb.waitForDelivery("writer@t", { from: "researcher@t" });
      expect(toWriter.message.id).toBe(reply.message.id);
      // The researcher marks the task read after answering.
      const researcher = mb.agent("researcher@t");
      await mb.waitUntil(async () => (await researcher.unread()).length === 0, {
        what: "the researcher to mark the task read",
      });
      const timedOut = await mb
        .waitUntil(() => false, { what: "something that never happens", timeoutMs: 30 })
        .catch((e: unknown) => (e as Error).message);
      expect(timedOut).toBe("timed out after 30 ms waiting for something that never happens");
      ac.abort();
      await running;
    } finally {
      ac.abort();
      await mb.close();
    }
  });

  it("a wait that times out says what it waited for; close fails pending waits", async () => {
    const mb = await createTestMailbox({ timeoutMs: 400 });
    try {
      await mb.agent("a@t").send("b@t", { hello: 1 });
      const timedOut = await mb.waitForDelivery("b@t", { from: "c@t" }).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(FakeSidecarError);
      expect((timedOut as FakeSidecarError).reason).toBe("timeout");
      expect((timedOut as FakeSidecarError).message).toBe(
        "timed out after 400 ms waiting for a delivery to b@t from c@t; 1 other delivery(ies) to b@t seen",
      );
      const named = await mb
        .waitForDelivery("b@t", { from: "c@t" }, { what: "c's answer", timeoutMs: 20 })
        .catch((e: unknown) => (e as Error).message);
      expect(named).toMatch(/^timed out after 20 ms waiting for c's answer/);
      const pending = mb
        .waitForDelivery("b@t", { from: "c@t" }, { timeoutMs: 60_000 })
        .catch((e: unknown) => e);
      await mb.close();
      expect(((await pending) as FakeSidecarError).reason).toBe("closed");
    } finally {
      await mb.close();
    }
  });

  it("a wait whose signal aborts, before or while it waits, fails with reason aborted", async () => {
    const mb = await createTestMailbox({ timeoutMs: 60_000 });
    try {
      const reasonOf = (p: Promise<unknown>) =>
        p.then(
          () => "resolved",
          (e: unknown) => (e instanceof FakeSidecarError ? e.reason : "untyped"),
        );
      const before = new AbortController();
      before.abort();
      expect(await reasonOf(mb.waitForDelivery("b@t", {}, { signal: before.signal }))).toBe(
        "aborted",
      );
      const during = new AbortController();
      const delivery = reasonOf(mb.waitForDelivery("b@t", {}, { signal: during.signal }));
      const condition = reasonOf(mb.waitUntil(() => false, { signal: during.signal }));
      during.abort();
      expect([await delivery, await condition]).toEqual(["aborted", "aborted"]);
      // The mailbox still works: a later wait finds the mail.
      await mb.agent("a@t").send("b@t", { hello: 2 });
      expect((await mb.waitForDelivery("b@t", { from: "a@t" })).message.payload).toEqual({
        hello: 2,
      });
    } finally {
      await mb.close();
    }
  });

  it("token mode works in memory too: the token travels on the in-memory transport", async () => {
    const adminKey = "admin-key-of-the-test-mailbox-0123";
    const mb = await createTestMailbox({ server: { auth: "tokens", adminKey } });
    try {
      const { token } = await mb.agent("a@t", { token: adminKey }).register();
      expect(typeof token).toBe("string");
      const a = mb.agent("a@t", { token });
      await a.send("b@t", { ok: true });
      expect((await mb.waitForDelivery("b@t", { from: "a@t" })).message.payload).toEqual({
        ok: true,
      });
      const spoof = mb.agent("b@t", { token });
      const error = await spoof.unread().catch((e: unknown) => e as AgentwireError);
      expect(error).toBeInstanceOf(AgentwireError);
      expect((error as AgentwireError).reason).toBe("forbidden");
      const anonymous = await mb
        .agent("a@t")
        .unread()
        .catch((e: unknown) => e as AgentwireError);
      expect((anonymous as AgentwireError).reason).toBe("unauthenticated");
    } finally {
      await mb.close();
    }
  });

  it("listen: true also serves on 127.0.0.1 for clients over the network, same mailbox", async () => {
    const mb = await createTestMailbox({ listen: true });
    const remote = createMailbox({ agentId: "remote@t", baseUrl: mb.url as string });
    try {
      expect(mb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await remote.send("local@t", { over: "http" });
      const d = await mb.waitForDelivery("local@t");
      expect(d.message.payload).toEqual({ over: "http" });
      expect((await mb.agent("local@t").unread()).map((u) => u.message.id)).toEqual([d.message.id]);
    } finally {
      remote.close();
      await mb.close();
    }
  });
});
