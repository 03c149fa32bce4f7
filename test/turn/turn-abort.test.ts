import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { AgentwireError, serve, type Turn } from "agentwire";
import { expect, describe as group, it } from "vitest";
import { deferred } from "../helpers/step.js";
import {
  describe,
  isTerminal,
  nextReply,
  readUntil,
  sendMessage,
  sendStop,
  useTurnRig,
} from "./support.js";

const t = useTurnRig();

/** Sends a message in a fresh conversation and returns the frames before its first reply frame. */
async function framesBeforeMarker(): Promise<string[]> {
  const marker = sendMessage(t.rig.stream, "marker", "marker");
  const before: string[] = [];
  for (;;) {
    const f = await nextReply(t.rig.stream, "the marker's reply");
    if (f.responseId === marker) return before;
    before.push(`${f.conversationId}/${describe(f)}`);
  }
}

group("a user STOP", () => {
  it("aborts the handler's signal with reason stop and nothing more is sent, not even END", async () => {
    const settled = deferred<{ turn: Turn; lateWrite: unknown }>();
    t.served = serve(t.rig.agent.session, {
      async message(turn, message) {
        if (message.content === "marker") return "marker reply";
        for (let i = 0; i < 1000 && !turn.signal.aborted; i++) {
          await turn.write(`${i} `).catch(() => {});
          await sleep(5);
        }
        const lateWrite = await turn.write("late").catch((e: unknown) => e);
        settled.resolve({ turn, lateWrite });
      },
    });
    const id = sendMessage(t.rig.stream, "c1", "count");
    expect(describe(await nextReply(t.rig.stream))).toBe("START");
    expect(describe(await nextReply(t.rig.stream))).toBe("DELTA:0 ");
    sendStop(t.rig.stream, "c1", id);
    const { turn, lateWrite } = await settled.promise;
    expect(turn.abortReason).toBe("stop");
    expect(turn.state).toBe("aborted");
    expect(turn.signal.reason).toBeInstanceOf(AgentwireError);
    expect((lateWrite as AgentwireError).reason).toBe("turn_ended");
    const after = await framesBeforeMarker();
    expect(after.every((d) => /^c1\/DELTA:\d+ $/.test(d))).toBe(true);
    expect(t.served.activeTurns.has("c1")).toBe(false);
  });
});

group("a stale STOP", () => {
  it("naming an earlier, finished response leaves the running turn alone; an empty response id stops it", async () => {
    const running = deferred<Turn>();
    t.served = serve(t.rig.agent.session, {
      async message(turn, message) {
        if (message.content !== "long") return `reply to ${message.content}`;
        await turn.write("working");
        running.resolve(turn);
        await new Promise((r) => turn.signal.addEventListener("abort", r, { once: true }));
      },
    });
    const finished = sendMessage(t.rig.stream, "c1", "quick");
    expect((await readUntil(t.rig.stream, isTerminal, "the quick reply")).map(describe)).toEqual([
      "START",
      "DELTA:reply to quick",
      "END",
    ]);
    sendMessage(t.rig.stream, "c1", "long");
    const turn = await running.promise;
    expect(describe(await nextReply(t.rig.stream))).toBe("START");
    expect(describe(await nextReply(t.rig.stream))).toBe("DELTA:working");
    sendStop(t.rig.stream, "c1", finished);
    // Frames are handled in order: once the marker is answered, the STOP was seen.
    expect(await framesBeforeMarker()).toEqual([]);
    expect(turn.signal.aborted).toBe(false);
    expect(t.served.activeTurns.get("c1")).toBe(turn);
    await readUntil(t.rig.stream, isTerminal, "the rest of the marker's reply");
    sendStop(t.rig.stream, "c1", "");
    expect(await framesBeforeMarker()).toEqual([]);
    expect(turn.abortReason).toBe("stop");
  });
});

group("supersession", () => {
  it("a newer message aborts the running turn and its handler starts at once", async () => {
    const firstAborted = deferred<Turn>();
    const releaseFirst = deferred<void>();
    const firstSettled = deferred<unknown>();
    t.served = serve(t.rig.agent.session, {
      async message(turn, message) {
        if (message.content !== "first") return `reply to ${message.content}`;
        await turn.write("first");
        await new Promise((r) => turn.signal.addEventListener("abort", r, { once: true }));
        firstAborted.resolve(turn);
        await releaseFirst.promise;
        firstSettled.resolve(await turn.write("more").catch((e: unknown) => e));
      },
    });
    const m1 = sendMessage(t.rig.stream, "c1", "first");
    expect(
      (await readUntil(t.rig.stream, (d) => d === "DELTA:first", "the first delta")).map(describe),
    ).toEqual(["START", "DELTA:first"]);
    const m2 = sendMessage(t.rig.stream, "c1", "second");
    const first = await firstAborted.promise;
    expect(first.abortReason).toBe("superseded");
    expect(first.responseId).toBe(m1);
    // The second turn completes while the first handler is still running.
    const second = await readUntil(t.rig.stream, isTerminal, "the second reply");
    expect(second.map((f) => `${f.responseId === m2 ? "m2" : "m1"}/${describe(f)}`)).toEqual([
      "m2/START",
      "m2/DELTA:reply to second",
      "m2/END",
    ]);
    releaseFirst.resolve();
    expect(((await firstSettled.promise) as AgentwireError).reason).toBe("turn_ended");
    expect(await framesBeforeMarker()).toEqual([]);
  });

  it("runs different conversations concurrently", async () => {
    const release = deferred<void>();
    const started: string[] = [];
    const both = deferred<void>();
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        started.push(turn.conversationId);
        if (started.length === 2) both.resolve();
        await release.promise;
        return turn.conversationId;
      },
    });
    sendMessage(t.rig.stream, "a", "x");
    sendMessage(t.rig.stream, "b", "y");
    await both.promise;
    expect([...t.served.activeTurns.keys()].sort()).toEqual(["a", "b"]);
    release.resolve();
    const frames = [
      ...(await readUntil(t.rig.stream, isTerminal, "a reply")),
      ...(await readUntil(t.rig.stream, isTerminal, "another reply")),
    ];
    expect(
      frames
        .filter((f) => describe(f) === "END")
        .map((f) => f.conversationId)
        .sort(),
    ).toEqual(["a", "b"]);
  });
});

group("a disconnect", () => {
  it("aborts the turn in flight with reason disconnected; later writes reject; a new turn works after the reconnect", async () => {
    const aborted = deferred<Turn>();
    const release = deferred<void>();
    const lateWrite = deferred<unknown>();
    t.served = serve(t.rig.agent.session, {
      async message(turn, message) {
        if (message.content !== "long") return `echo ${message.content}`;
        turn.signal.addEventListener("abort", () => aborted.resolve(turn), { once: true });
        await turn.write("a");
        await release.promise;
        lateWrite.resolve(await turn.write("b").catch((e: unknown) => e));
      },
    });
    sendMessage(t.rig.stream, "c1", "long");
    await readUntil(t.rig.stream, (d) => d === "DELTA:a", "the first delta");
    t.rig.stream.fail(Code.Unavailable, "sidecar restarting");
    const turn = await aborted.promise;
    expect(turn.abortReason).toBe("disconnected");
    release.resolve();
    const error = (await lateWrite.promise) as AgentwireError;
    expect(["turn_ended", "turn_lost"]).toContain(error.reason);

    const s2 = await t.rig.sidecar.streams.next("the reconnected stream");
    expect((await s2.received.next("the config")).request.case).toBe("agentConfig");
    await t.rig.agent.reach("open");
    const id = sendMessage(s2, "c1", "again");
    const frames = await readUntil(s2, isTerminal, "the reply on the new stream");
    expect(frames.map(describe)).toEqual(["START", "DELTA:echo again", "END"]);
    expect(frames.every((f) => f.responseId === id)).toBe(true);
  });
});

group("closing", () => {
  it("serve.close() aborts running turns with reason closed, waits for handlers and stops routing", async () => {
    const running = deferred<Turn>();
    let calls = 0;
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        calls++;
        running.resolve(turn);
        await new Promise((r) => turn.signal.addEventListener("abort", r, { once: true }));
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    const turn = await running.promise;
    await t.served.close();
    expect(turn.abortReason).toBe("closed");
    await t.served.done;
    const arrived = deferred<void>();
    const off = t.rig.agent.session.on("message", () => arrived.resolve());
    sendMessage(t.rig.stream, "c2", "after close");
    await arrived.promise;
    off();
    expect(calls).toBe(1);
  });

  it("closing the session aborts running turns with reason closed and ends serving", async () => {
    const running = deferred<Turn>();
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        running.resolve(turn);
        await new Promise((r) => turn.signal.addEventListener("abort", r, { once: true }));
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    const turn = await running.promise;
    await t.rig.agent.session.close({ mode: "abandon" });
    await t.served.done;
    expect(turn.abortReason).toBe("closed");
    expect(t.served.activeTurns.size).toBe(0);
  });
});
