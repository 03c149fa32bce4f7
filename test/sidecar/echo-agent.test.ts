import { afterEach, describe, expect, it } from "vitest";
import { startEchoAgent } from "../../examples/echo-agent.js";
import { type Harness, startHarness } from "./support/harness.js";
import type { SseEvent, SseSubscription } from "./support/sse-client.js";

// The dev sidecar driven over its HTTP/SSE API with the real example agent,
// built on agentwire's client, on the other end of the gRPC stream.

let h: Harness | undefined;
let agent: ReturnType<typeof startEchoAgent> | undefined;
afterEach(async () => {
  await agent?.close();
  await h?.stop();
  agent = undefined;
  h = undefined;
});

async function start() {
  h = await startHarness();
  const address = new URL(h.sidecar.grpcUrl).host;
  agent = startEchoAgent({ address });
  await agent.ready;
  await h.sidecar.whenAgentConnected();
  return h;
}

/** Collects the chunk events of one turn up to its finish or error event. */
async function turnOf(sse: SseSubscription): Promise<{ text: string; events: SseEvent[] }> {
  const events: SseEvent[] = [];
  for (;;) {
    const e = await sse.next((x) => x.event !== "heartbeat");
    events.push(e);
    if (e.event === "finish" || e.event === "error") break;
  }
  const text = events
    .filter((e) => e.event === "chunk" && e.data.chunk_type === "delta")
    .map((e) => e.data.content)
    .join("");
  return { text, events };
}

describe("the dev sidecar with the echo agent", () => {
  it("streams `echo: TEXT` as START, DELTAs word by word, END, then finish", async () => {
    const { conversation, sse, send } = await start();
    const id = await conversation();
    const stream = await sse(id);
    const res = await send(id, "hello  wide world");
    expect(res.status).toBe(200);
    const { text, events } = await turnOf(stream);
    expect(text).toBe("echo: hello  wide world");
    const kinds = events.map((e) => (e.event === "chunk" ? e.data.chunk_type : e.event));
    expect(kinds[0]).toBe("start");
    expect(kinds.slice(-2)).toEqual(["end", "finish"]);
    expect(kinds.filter((k) => k === "delta").length).toBeGreaterThanOrEqual(4);
    const ids = events.map((e) => e.id).filter((x): x is number => x !== undefined);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("cancel during `count 200` finishes the turn and the agent stops sending", async () => {
    const { conversation, sse, send, post } = await start();
    const id = await conversation();
    const stream = await sse(id);
    await send(id, "count 200");
    await stream.next((e) => e.event === "chunk" && e.data.content === "3 ");
    expect((await post(`/api/conversations/${id}/cancel`)).status).toBe(204);
    await stream.next((e) => e.event === "finish");
    // The next turn in the same conversation is answered normally, and no
    // number from the stopped turn is streamed into it. (A stream opened this
    // soon after the stop is first sent the stopped turn, up to its finish.)
    const next = await sse(id);
    const replay = next.events[0]?.data.replay as { through: number } | undefined;
    expect(replay).toBeDefined();
    const stopped = await turnOf(next);
    expect(stopped.events.at(-1)?.id).toBe(replay?.through);
    expect(stopped.text).toMatch(/^1 2 3 /);
    await send(id, "after");
    const { text } = await turnOf(next);
    expect(text).toBe("echo: after");
  });

  it("an agent that disconnects mid-turn fails the turn with retryable AGENT_UNAVAILABLE", async () => {
    const { conversation, sse, send } = await start();
    const id = await conversation();
    const stream = await sse(id);
    await send(id, "count 200");
    await stream.next((e) => e.event === "chunk" && e.data.chunk_type === "delta");
    await agent?.close();
    const error = await stream.next((e) => e.event === "error");
    expect(error.data).toMatchObject({ code: "AGENT_UNAVAILABLE", retryable: true });
    const again = await send(id, "anyone?");
    expect(again.status).toBe(424);
  });
});
