import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { type AgentwireError, match } from "agentwire";
import { AgentResponseSchema } from "agentwire/schema";
import { afterEach, describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { answerWithBytes, startRawSidecar, streamPaths } from "../helpers/raw-sidecar.js";
import { type ScriptableSidecar, startScriptableSidecar } from "../helpers/scriptable-sidecar.js";
import { Inbox } from "../helpers/step.js";

describe("frames from the sidecar", () => {
  let sidecar: ScriptableSidecar;
  afterEach(async () => {
    await sidecar.close();
  });

  it("arrive as an async iterable and as typed events, with the oneof as a discriminated union", async () => {
    sidecar = await startScriptableSidecar();
    const agent = connectAgent(sidecar.address);
    const events = new Inbox<string>();
    agent.session.on("message", (m, f) => events.push(`message ${m.content} ${f.responseId}`));
    agent.session.on("feedback", (fb) => events.push(`feedback ${fb.feedback.case}`));
    agent.session.on("audioConfig", (c) => events.push(`audioConfig ${c.sampleRate}`));
    agent.session.on("audioChunk", (c) => events.push(`audioChunk ${c.sequence}`));
    const iterated: string[] = [];
    const reader = (async () => {
      for await (const frame of agent.session) {
        iterated.push(
          match(
            frame.payload,
            {
              incomingMessage: (m) => `message:${m.content}`,
              feedback: (f) => `feedback:${f.feedback.case}`,
              audioConfig: (c) => `audioConfig:${c.conversationId}`,
              audioChunk: (c) => `audioChunk:${c.sequence}`,
              status: () => "status",
              content: () => "content",
              prompts: () => "prompts",
              threadMetadata: () => "threadMetadata",
              error: () => "error",
              contextRequest: () => "contextRequest",
              transcript: () => "transcript",
              renderable: () => "renderable",
            },
            () => "unset",
          ),
        );
      }
    })();
    const stream = await sidecar.streams.next();
    await agent.session.ready();
    stream.send({
      conversationId: "c1",
      responseId: "m1",
      payload: { case: "incomingMessage", value: { id: "m1", content: "hello" } },
    });
    stream.send({
      conversationId: "c1",
      responseId: "m1",
      payload: {
        case: "feedback",
        value: { feedback: { case: "streamControl", value: { action: 1 } } },
      },
    });
    stream.send({
      conversationId: "c2",
      payload: { case: "audioConfig", value: { conversationId: "c2", sampleRate: 16000 } },
    });
    stream.send({
      conversationId: "c2",
      payload: { case: "audioChunk", value: { sequence: 1n, data: new Uint8Array([1]) } },
    });
    expect(await events.next()).toBe("message hello m1");
    expect(await events.next()).toBe("feedback streamControl");
    expect(await events.next()).toBe("audioConfig 16000");
    expect(await events.next()).toBe("audioChunk 1");
    await agent.session.close();
    await reader;
    expect(iterated).toEqual([
      "message:hello",
      "feedback:streamControl",
      "audioConfig:c2",
      "audioChunk:1",
    ]);
    agent.client.close();
  });

  it("an iterator given a signal ends with reason aborted when it aborts; others go on", async () => {
    sidecar = await startScriptableSidecar();
    const agent = connectAgent(sidecar.address);
    const controller = new AbortController();
    const aborted = agent.session.frames({ signal: controller.signal });
    const other = agent.session.frames();
    const stream = await sidecar.streams.next();
    await agent.session.ready();
    controller.abort();
    await expect(aborted.next()).rejects.toMatchObject({ reason: "aborted" });
    stream.send({
      conversationId: "c",
      responseId: "x",
      payload: { case: "incomingMessage", value: { id: "x" } },
    });
    expect((await other.next()).value?.responseId).toBe("x");
    await other.return?.();
    await agent.dispose();
  });
});

function envelope(payload: Uint8Array, declaredLength = payload.byteLength): Uint8Array {
  const out = Buffer.alloc(5 + payload.byteLength);
  out.writeUInt32BE(declaredLength, 1);
  out.set(payload, 5);
  return out;
}

describe("malformed input from the sidecar", () => {
  const cases: { name: string; body: () => Uint8Array; error: RegExp; code: Code }[] = [
    {
      name: "bytes that are not an AgentResponse",
      body: () => envelope(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
      error: /not an AgentResponse/,
      code: Code.Internal,
    },
    {
      name: "a frame over the size limit",
      body: () => envelope(new Uint8Array(10), 5 * 1024 * 1024),
      error: /over the limit/,
      code: Code.ResourceExhausted,
    },
    {
      name: "a stream that ends inside a frame",
      body: () => envelope(new Uint8Array(3), 9),
      error: /ended inside a frame/,
      code: Code.Internal,
    },
    {
      name: "a compressed frame nobody negotiated",
      body: () => {
        const e = envelope(
          toBinary(AgentResponseSchema, create(AgentResponseSchema, { conversationId: "c" })),
        );
        e[0] = 1;
        return e;
      },
      error: /compressed frame/,
      code: Code.Internal,
    },
  ];
  for (const [path, clientOptions] of Object.entries(streamPaths)) {
    for (const c of cases) {
      it(`${c.name} (${path} stream): a typed error, then a clean reconnect, never a crash`, async () => {
        const raw = await startRawSidecar(answerWithBytes(c.body));
        const agent = connectAgent(raw.address, { maxAttempts: 2 }, clientOptions(raw.address));
        const errors: AgentwireError[] = [];
        agent.session.on("error", (e) => errors.push(e));
        const closed = await agent.reach("closed");
        expect(raw.streams()).toBe(2);
        expect(errors).toHaveLength(2);
        expect(errors[0]?.reason).toBe("malformed_frame");
        expect(errors[0]?.code).toBe(c.code);
        expect(errors[0]?.message).toMatch(c.error);
        expect(closed.error?.reason).toBe("gave_up");
        agent.client.close();
        await raw.close();
      });
    }
  }
});
