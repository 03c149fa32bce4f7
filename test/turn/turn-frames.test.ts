import { getEventListeners } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError, serve, type Turn } from "agentwire";
import { ErrorResponse_ErrorCode } from "agentwire/schema";
import { expect, describe as group, it } from "vitest";
import { deferred } from "../helpers/step.js";
import { describe, isTerminal, nextReply, readUntil, sendMessage, useTurnRig } from "./support.js";

const incomingTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const t = useTurnRig();

group("a normal turn", () => {
  it("sends status, START, DELTAs and END, each with the response id and the incoming trace context", async () => {
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        await turn.status("thinking");
        await turn.write("Hello");
        await turn.write("");
        await turn.write(", world");
        turn.attach({ link: { url: "https://example.com", title: "Example" } });
      },
    });
    const id = sendMessage(t.rig.stream, "c1", "hi", incomingTrace);
    const frames = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(frames.map(describe)).toEqual([
      "STATUS:THINKING",
      "START",
      "DELTA:Hello",
      "DELTA:, world",
      "END",
    ]);
    for (const f of frames) {
      expect(f.conversationId).toBe("c1");
      expect(f.responseId).toBe(id);
      expect(f.traceContext?.traceparent).toBe(incomingTrace);
      expect(f.traceContext?.tracestate).toBe("k=v");
    }
    const end = frames.at(-1)?.payload;
    expect(end?.case === "content" && end.value.attachments[0]?.attachmentType.case).toBe("link");
  });

  it("streams 50 unawaited writes with one abort listener on the turn's signal and no process warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const listeners = deferred<number>();
    try {
      t.served = serve(t.rig.agent.session, {
        async message(turn) {
          const writes = Array.from({ length: 50 }, (_, i) => turn.write(`${i} `));
          listeners.resolve(getEventListeners(turn.signal, "abort").length);
          await Promise.all(writes);
        },
      });
      sendMessage(t.rig.stream, "c1", "stream");
      const frames = await readUntil(t.rig.stream, isTerminal, "the reply");
      expect(frames.map(describe)).toEqual([
        "START",
        ...Array.from({ length: 50 }, (_, i) => `DELTA:${i} `),
        "END",
      ]);
      expect(await listeners.promise).toBe(1);
      // Process warnings are emitted on a later tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("generates one W3C traceparent per turn when the message carries none", async () => {
    t.served = serve(t.rig.agent.session, { message: () => "ok" });
    sendMessage(t.rig.stream, "c1", "hi");
    const frames = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(frames.map(describe)).toEqual(["START", "DELTA:ok", "END"]);
    const traceparent = frames[0]?.traceContext?.traceparent ?? "";
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(frames.every((f) => f.traceContext?.traceparent === traceparent)).toBe(true);
  });

  it("pipes a token stream, replaces, suggests prompts and sets thread metadata in call order", async () => {
    async function* tokens() {
      yield "a";
      yield "b";
    }
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        await turn.pipe(tokens());
        await turn.replace("AB");
        await turn.suggestPrompts(["again", { id: "p2", title: "More", message: "more please" }]);
        await turn.threadMetadata({ title: "Letters" });
        await turn.finish();
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    const frames = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(frames.map(describe)).toEqual([
      "START",
      "DELTA:a",
      "DELTA:b",
      "REPLACE:AB",
      "PROMPTS",
      "THREADMETADATA",
      "END",
    ]);
    const prompts = frames[4]?.payload;
    expect(prompts?.case === "prompts" && prompts.value.prompts.map((p) => p.message)).toEqual([
      "again",
      "more please",
    ]);
  });

  it("rejects writes after finish with reason turn_ended and sends nothing", async () => {
    const after = deferred<unknown[]>();
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        await turn.finish();
        const results = await Promise.allSettled([
          turn.write("late"),
          turn.status("thinking"),
          turn.finish(),
        ]);
        const errors = results.map((r) => (r.status === "rejected" ? r.reason : "sent"));
        try {
          turn.attach({ link: { url: "https://x" } });
          errors.push("attached");
        } catch (e) {
          errors.push(e);
        }
        after.resolve(errors);
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    expect((await readUntil(t.rig.stream, isTerminal, "the reply")).map(describe)).toEqual([
      "START",
      "END",
    ]);
    const errors = await after.promise;
    expect(errors).toHaveLength(4);
    for (const e of errors) {
      expect(e).toBeInstanceOf(AgentwireError);
      expect((e as AgentwireError).reason).toBe("turn_ended");
    }
    // Nothing of the first turn follows: the next frame belongs to a new turn.
    const next = sendMessage(t.rig.stream, "c2", "marker");
    expect((await nextReply(t.rig.stream)).responseId).toBe(next);
  });
});

group("a failed turn", () => {
  it("a throwing handler sends one AGENT_ERROR with the error's message and no END", async () => {
    t.served = serve(
      t.rig.agent.session,
      {
        async message(turn) {
          await turn.write("partial");
          throw new Error("the tool broke");
        },
      },
      { onError: () => {} },
    );
    sendMessage(t.rig.stream, "c1", "hi");
    const frames = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(frames.map(describe)).toEqual(["START", "DELTA:partial", "ERROR:AGENT_ERROR"]);
    const error = frames[2]?.payload;
    expect(error?.case === "error" && error.value.message).toBe("the tool broke");
    expect(error?.case === "error" && error.value.retryable).toBe(false);
    const next = sendMessage(t.rig.stream, "c2", "marker");
    expect((await nextReply(t.rig.stream)).responseId).toBe(next);
  });

  it("fail() with a code sends that code without START, and the handler's return adds nothing", async () => {
    const turnSeen = deferred<Turn>();
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        await turn.fail(new Error("slow down"), { code: "rate_limit", retryable: true });
        turnSeen.resolve(turn);
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    const frame = await nextReply(t.rig.stream);
    expect(describe(frame)).toBe("ERROR:RATE_LIMIT");
    expect(frame.payload.case === "error" && frame.payload.value.retryable).toBe(true);
    expect((await turnSeen.promise).state).toBe("failed");
    const next = sendMessage(t.rig.stream, "c2", "marker");
    expect((await nextReply(t.rig.stream)).responseId).toBe(next);
  });

  it("maps an invalid_argument AgentwireError to INVALID_REQUEST", async () => {
    t.served = serve(
      t.rig.agent.session,
      {
        async message(turn) {
          await turn.status("bogus" as "thinking");
        },
      },
      { onError: () => {} },
    );
    sendMessage(t.rig.stream, "c1", "hi");
    const frame = await nextReply(t.rig.stream);
    expect(frame.payload.case === "error" && frame.payload.value.code).toBe(
      ErrorResponse_ErrorCode.INVALID_REQUEST,
    );
  });

  it("reports an upstream ResourceExhausted as retryable, agentwire's own too_large refusal not", async () => {
    const failures = [
      new ConnectError("the model is busy", Code.ResourceExhausted),
      new AgentwireError("too_large", "the reply is over the frame limit", Code.ResourceExhausted),
    ];
    t.served = serve(
      t.rig.agent.session,
      {
        async message() {
          throw failures.shift();
        },
      },
      { onError: () => {} },
    );
    const seen: Array<[string, boolean]> = [];
    for (const id of ["c1", "c2"]) {
      sendMessage(t.rig.stream, id, "hi");
      const frame = await nextReply(t.rig.stream);
      if (frame.payload.case === "error")
        seen.push([describe(frame), frame.payload.value.retryable]);
    }
    expect(seen).toEqual([
      ["ERROR:RATE_LIMIT", true],
      ["ERROR:RATE_LIMIT", false],
    ]);
  });
});

group("keep-alive", () => {
  it("re-sends the last status while the handler waits, then the turn completes", async () => {
    const release = deferred<void>();
    t.served = serve(
      t.rig.agent.session,
      {
        async message(turn) {
          await turn.status("custom", "Calling the tool", "🔧");
          await release.promise;
          return "done";
        },
      },
      { keepAliveMs: 40 },
    );
    sendMessage(t.rig.stream, "c1", "hi");
    const first = await nextReply(t.rig.stream, "the status");
    const again = await nextReply(t.rig.stream, "the keep-alive status");
    expect(describe(again)).toBe("STATUS:CUSTOM");
    expect(again.payload).toEqual(first.payload);
    expect(again.payload.case === "status" && again.payload.value.customMessage).toBe(
      "Calling the tool",
    );
    release.resolve();
    const rest = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(
      rest
        .map(describe)
        .filter((d) => !d.startsWith("STATUS"))
        .slice(-3),
    ).toEqual(["START", "DELTA:done", "END"]);
    expect(t.served.activeTurns.size).toBe(0);
  });
});
