import { Code } from "@connectrpc/connect";
import { AgentwireError, type SessionState } from "agentwire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { type ScriptableSidecar, startScriptableSidecar } from "../helpers/scriptable-sidecar.js";

let sidecar: ScriptableSidecar;
beforeEach(async () => {
  sidecar = await startScriptableSidecar();
});
afterEach(async () => {
  await sidecar.close();
});

const reply = (responseId: string) => ({ conversationId: "c", responseId });

describe("reconnecting", () => {
  it("walks connecting → open → reconnecting → connecting → open when the stream fails with UNAVAILABLE", async () => {
    const agent = connectAgent(sidecar.address);
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.fail(Code.Unavailable, "sidecar going away");
    const reconnecting = await agent.reach("reconnecting");
    expect(reconnecting.previous).toBe("open");
    expect(reconnecting.error).toBeInstanceOf(AgentwireError);
    expect(reconnecting.error?.code).toBe(Code.Unavailable);
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(0);
    await agent.reach("connecting");
    await agent.reach("open");
    const s2 = await sidecar.streams.next();
    expect((await s2.received.next()).request.case).toBe("agentConfig");
    await agent.dispose();
  });

  it("re-opens the stream when the sidecar ends it normally", async () => {
    const agent = connectAgent(sidecar.address);
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.end();
    const change = await agent.reach("reconnecting");
    expect(change.error?.message).toMatch(/ended the conversation stream/);
    const s2 = await sidecar.streams.next();
    expect((await s2.received.next()).request.case).toBe("agentConfig");
    await agent.dispose();
  });

  it("survives a sidecar restart and delivers, in order, every write issued during the outage", async () => {
    const agent = connectAgent(sidecar.address, { maxAttempts: 1000 });
    await sidecar.streams.next();
    await agent.reach("open");
    await sidecar.kill();
    await agent.reach("reconnecting");
    const writes = Array.from({ length: 50 }, (_, i) => agent.session.respond(reply(`r${i}`)));
    // Let at least one reconnect attempt fail against the closed port.
    await agent.states.nextMatching((c) => c.state === "reconnecting", "a failed reconnect");
    await sidecar.restart();
    const s2 = await sidecar.streams.next("the stream after the restart");
    expect((await s2.received.next()).request.case).toBe("agentConfig");
    for (let i = 0; i < 50; i++) {
      const frame = await s2.received.next(`frame r${i}`);
      expect(frame.request.value).toMatchObject({ responseId: `r${i}` });
    }
    await expect(Promise.all(writes)).resolves.toHaveLength(50);
    await agent.dispose();
  });

  it("survives a sidecar crash (connections reset) and delivers the writes issued meanwhile", async () => {
    const agent = connectAgent(sidecar.address, { maxAttempts: 1000 });
    await sidecar.streams.next();
    await agent.reach("open");
    await sidecar.crash();
    const broke = await agent.reach("reconnecting");
    expect(broke.error?.message).toMatch(/ECONNRESET|reset|aborted|unavailable/i);
    const writes = Array.from({ length: 10 }, (_, i) => agent.session.respond(reply(`r${i}`)));
    await sidecar.restart();
    const s2 = await sidecar.streams.next("the stream after the crash");
    expect((await s2.received.next()).request.case).toBe("agentConfig");
    for (let i = 0; i < 10; i++) {
      expect((await s2.received.next()).request.value).toMatchObject({ responseId: `r${i}` });
    }
    await Promise.all(writes);
    await agent.dispose();
  });

  it("gives up with reason gave_up after maxAttempts consecutive failures, rejecting every queued write", async () => {
    await sidecar.kill();
    const agent = connectAgent(sidecar.address, { maxAttempts: 3 });
    const write = agent.session.respond(reply("queued"));
    const ready = agent.session.ready();
    // Both reject while the test waits for "closed"; the assertions come after.
    write.catch(() => {});
    ready.catch(() => {});
    const frames = agent.session.frames();
    const closed = await agent.reach("closed");
    expect(closed.error?.reason).toBe("gave_up");
    expect(closed.error?.message).toMatch(/3 failed attempts/);
    expect(agent.session.attempt).toBe(3);
    await expect(write).rejects.toMatchObject({ reason: "gave_up" });
    await expect(ready).rejects.toMatchObject({ reason: "gave_up" });
    await expect(frames.next()).rejects.toMatchObject({ reason: "gave_up" });
    await expect(agent.session.respond(reply("late"))).rejects.toMatchObject({ reason: "gave_up" });
    await sidecar.restart();
    await agent.dispose();
    expect(sidecar.streams.pending).toBe(0);
  });

  it("by default never gives up: 300 failed attempts later it still reconnects, and opens once the sidecar is back", async () => {
    await sidecar.kill();
    // Zero delays, so the attempts pile up quickly; the attempt limit is the default.
    const agent = connectAgent(sidecar.address, { initialDelayMs: 0, maxDelayMs: 0 });
    const closed: SessionState[] = [];
    agent.session.on("state", ({ state }) => {
      if (state === "closed") closed.push(state);
    });
    await agent.states.nextMatching(
      (c) => c.state === "reconnecting" && c.attempt >= 300,
      "the 300th failed attempt",
      15_000,
    );
    expect(closed).toEqual([]);
    await sidecar.restart();
    await agent.reach("open", 15_000);
    await sidecar.streams.next("the stream after the outage");
    await agent.dispose();
  });

  it("resets the attempt count once a stream has been healthy", async () => {
    const agent = connectAgent(sidecar.address, { maxAttempts: 2, healthyAfterMs: 0 });
    for (let i = 0; i < 4; i++) {
      const s = await sidecar.streams.next(`stream ${i}`);
      await agent.reach("open");
      s.fail(Code.Unavailable);
      const change = await agent.reach("reconnecting");
      expect(change.attempt).toBe(1);
    }
    await agent.dispose();
  });

  it("does not retry a status outside the retryable codes", async () => {
    const agent = connectAgent(sidecar.address);
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.fail(Code.PermissionDenied, "no");
    const closed = await agent.reach("closed");
    expect(closed.error?.code).toBe(Code.PermissionDenied);
    expect(sidecar.streams.pending).toBe(0);
    await agent.dispose();
  });

  it("retries a stream whose config source is unavailable for now (reason unavailable), and opens once it answers", async () => {
    let calls = 0;
    const agent = connectAgent(sidecar.address, {
      config: () => {
        calls++;
        if (calls === 1)
          throw new AgentwireError(
            "unavailable",
            "the config store is restarting",
            Code.Unavailable,
          );
        return { systemPrompt: "test agent" };
      },
    });
    const reconnecting = await agent.reach("reconnecting");
    expect({ reason: reconnecting.error?.reason, code: reconnecting.error?.code }).toEqual({
      reason: "unavailable",
      code: Code.Unavailable,
    });
    const s = await sidecar.streams.next("the stream after the config answered");
    expect((await s.received.next()).request.case).toBe("agentConfig");
    await agent.reach("open");
    expect(calls).toBe(2);
    await agent.dispose();
  });

  it("honours custom retryable codes", async () => {
    const agent = connectAgent(sidecar.address, { retryableCodes: [Code.PermissionDenied] });
    const s1 = await sidecar.streams.next();
    await agent.reach("open");
    s1.fail(Code.PermissionDenied);
    await agent.reach("reconnecting");
    await sidecar.streams.next("a second stream");
    const s2 = sidecar.streams.all[1];
    s2?.fail(Code.Unavailable);
    const closed = await agent.reach("closed");
    expect(closed.error?.code).toBe(Code.Unavailable);
    await agent.dispose();
  });
});

describe("the caller aborts", () => {
  const phases: {
    name: string;
    reachPhase: (a: ReturnType<typeof connectAgent>) => Promise<unknown>;
  }[] = [
    { name: "before the session starts", reachPhase: async () => {} },
    {
      name: "while connecting",
      reachPhase: async () => {
        await sidecar.kill();
      },
    },
    { name: "while open", reachPhase: (a) => a.reach("open") },
    {
      name: "while waiting to reconnect",
      reachPhase: async (a) => {
        await a.reach("open");
        await sidecar.kill();
        await a.reach("reconnecting");
      },
    },
  ];
  for (const phase of phases) {
    it(`${phase.name}: closes with reason aborted, rejects queued writes, never retries`, async () => {
      const controller = new AbortController();
      if (phase.name === "before the session starts") controller.abort(new Error("shutting down"));
      const agent = connectAgent(sidecar.address, {
        signal: controller.signal,
        initialDelayMs: 60_000,
        maxDelayMs: 60_000,
      });
      await phase.reachPhase(agent);
      const queued = agent.session.state === "open" ? undefined : agent.session.respond(reply("q"));
      queued?.catch(() => {});
      controller.abort(new Error("shutting down"));
      await agent.session.close();
      expect(agent.session.state).toBe("closed" satisfies SessionState);
      if (queued)
        await expect(queued).rejects.toMatchObject({ reason: "aborted", code: Code.Canceled });
      await expect(agent.session.respond(reply("after"))).rejects.toMatchObject({
        reason: "aborted",
      });
      agent.client.close();
      if (phase.name === "while connecting" || phase.name === "while waiting to reconnect") {
        await sidecar.restart();
      }
      const openedBefore = sidecar.streams.all.length;
      await new Promise((r) => setImmediate(r));
      expect(sidecar.streams.all.length).toBe(openedBefore);
    });
  }
});
