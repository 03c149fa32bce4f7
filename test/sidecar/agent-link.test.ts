import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type AgentResponse,
  AgentResponseSchema,
  type ConversationRequest,
  ConversationRequestSchema,
} from "agentwire/schema";
import { createAgentLink } from "agentwire/sidecar";
import { describe, expect, it } from "vitest";
import { deferred, Inbox } from "../helpers/step.js";

/** One agent stream driven by the test: frames to write, a half-close, and what it received. */
function openStream(link: ReturnType<typeof createAgentLink>) {
  const writes = new Inbox<ConversationRequest | "half-close">();
  const received = new Inbox<AgentResponse>();
  const abort = new AbortController();
  async function* requests(): AsyncGenerator<ConversationRequest> {
    for (;;) {
      const next = await writes.next("a frame to write", 10_000);
      if (next === "half-close") return;
      yield next;
    }
  }
  const ended = (async () => {
    try {
      for await (const frame of link.serve(requests(), abort.signal)) received.push(frame);
      return undefined;
    } catch (err) {
      return ConnectError.from(err);
    }
  })();
  return {
    register: (systemPrompt: string) =>
      writes.push(
        create(ConversationRequestSchema, {
          request: { case: "agentConfig", value: { systemPrompt } },
        }),
      ),
    halfClose: () => writes.push("half-close"),
    received,
    ended,
  };
}

const work = (id: string) =>
  create(AgentResponseSchema, {
    conversationId: id,
    responseId: id,
    payload: { case: "incomingMessage", value: { id, conversationId: id, content: id } },
  });

describe("the sidecar core's agent link", () => {
  it("gives work to the newest registered stream, and on its end to the newest older one still open", async () => {
    const changed = new Inbox<void>();
    const gone = deferred<void>();
    let goneCount = 0;
    const link = createAgentLink({
      onFrame: () => {},
      onActiveGone: () => {
        goneCount++;
        gone.resolve();
      },
      onChange: () => changed.push(),
    });
    const until = async (ok: () => boolean, what: string) => {
      while (!ok()) await changed.next(what);
    };
    const one = openStream(link);
    const two = openStream(link);
    const three = openStream(link);
    const unregistered = openStream(link);
    one.register("one");
    two.register("two");
    three.register("three");
    await until(() => link.registrations === 3, "three registrations");
    expect(link.activeStreamId).toBe(3);
    expect(link.streamCount).toBe(4);

    three.halfClose();
    expect((await three.ended)?.code).toBe(Code.Unknown); // "EOF", as a deployed sidecar
    await gone.promise;
    expect(link.activeStreamId).toBe(2);
    expect(link.send(work("a"))).toBe(true);
    expect((await two.received.next("work on stream 2")).conversationId).toBe("a");

    two.halfClose();
    await two.ended;
    await until(() => link.activeStreamId !== 2, "stream 2 to end");
    expect(link.activeStreamId).toBe(1); // the unregistered stream #4 never takes over
    expect(link.send(work("b"))).toBe(true);
    expect((await one.received.next("work on stream 1")).conversationId).toBe("b");
    expect(one.received.all.map((f) => f.conversationId)).toEqual(["b"]);
    expect(goneCount).toBe(2);

    one.halfClose();
    await one.ended;
    await until(() => !link.connected, "no registered stream");
    expect(link.send(work("c"))).toBe(false);
    expect(unregistered.received.all).toEqual([]);
    link.close();
    expect(await unregistered.ended).toBeUndefined(); // close() ends streams with OK
    expect(link.streamCount).toBe(0);
    unregistered.halfClose(); // ends its request side, which nothing reads any more
  });
});
