import type { PlatformFeedback } from "agentwire/schema";
import { StreamControl_Action } from "agentwire/schema";
import { afterEach, describe, expect, it } from "vitest";
import { untilAsync } from "../helpers/step.js";
import { type Harness, startHarness } from "./support/harness.js";
import { delta, START } from "./support/payloads.js";

let h: Harness;
afterEach(async () => {
  await h.stop();
});

interface Summary {
  conversation_id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  turn_running: boolean;
}

async function turn(
  id: string,
  text: string,
  agent: Awaited<ReturnType<Harness["registeredAgent"]>>,
) {
  const sse = await h.sse(id);
  expect((await h.send(id, text)).status).toBe(200);
  const msg = await agent.nextMessage();
  agent.replyText(id, msg.responseId, "ok");
  await sse.next((e) => e.event === "finish" && e.data.response_id === msg.responseId);
  sse.close();
  // Until the server saw the stream close, the conversation counts as in use.
  await untilAsync(
    async () =>
      ((await (await h.web("/health")).json()) as { connections: number }).connections === 0,
    "the stream to close",
  );
}

const list = async (query = "") =>
  (await (await h.web(`/api/chat/conversations${query}`)).json()) as {
    conversations: Summary[];
    total: number;
  };

describe("/api/chat/conversations", () => {
  it("lists conversations with a message, newest activity first, titled by the first message", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const a = await h.conversation();
    const b = await h.conversation();
    await h.conversation(); // no message yet: not listed
    await turn(a, "Plan a  trip\nto Oslo", agent);
    const long = "x".repeat(60);
    await turn(b, long, agent);
    await turn(a, "and back", agent);
    const body = await list();
    expect(body.total).toBe(2);
    expect(body.conversations.map((c) => [c.conversation_id, c.title, c.message_count])).toEqual([
      [a, "Plan a trip to Oslo", 4],
      [b, `${"x".repeat(47)}…`, 2],
    ]);
    expect(body.conversations[0]?.turn_running).toBe(false);
    expect(Date.parse(body.conversations[0]?.updated_at ?? "")).toBeGreaterThanOrEqual(
      Date.parse(body.conversations[0]?.created_at ?? ""),
    );
    expect((await list("?limit=1")).conversations.map((c) => c.conversation_id)).toEqual([a]);
    expect((await h.web("/api/chat/conversations?limit=0")).status).toBe(400);
  });

  it("answers one conversation, 404 for an unknown one without creating it", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    await turn(id, "hello", agent);
    const one = (await (await h.web(`/api/chat/conversations/${id}`)).json()) as Summary;
    expect(one).toMatchObject({ conversation_id: id, title: "hello", message_count: 2 });
    const before = h.sidecar.conversationCount;
    const missing = await h.web("/api/chat/conversations/no-such-id");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "conversation_not_found" });
    expect(h.sidecar.conversationCount).toBe(before);
  });

  it("DELETE stops a running turn, ends its streams, and forgets it and its history", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await h.send(id, "long one");
    const msg = await agent.nextMessage();
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("part"));
    await sse.next((e) => e.data.content === "part");
    const res = await h.web(`/api/chat/conversations/${id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    await sse.ended;
    const stop = (await agent.next((f) => f.payload.case === "feedback")).payload
      .value as PlatformFeedback;
    expect(stop.feedback.value).toMatchObject({ action: StreamControl_Action.STOP });
    expect((await h.web(`/api/chat/conversations/${id}`)).status).toBe(404);
    expect((await list()).total).toBe(0);
    const history = (await (await h.web(`/api/conversations/${id}/history`)).json()) as {
      messages: unknown[];
    };
    expect(history.messages).toEqual([]);
    expect((await h.web(`/api/chat/conversations/${id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("refuses a cross-site DELETE", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    await turn(id, "keep me", agent);
    const res = await h.web(`/api/chat/conversations/${id}`, {
      method: "DELETE",
      headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect((await h.web(`/api/chat/conversations/${id}`)).status).toBe(200);
  });

  it("keeps at most maxConversations, forgetting the oldest first", async () => {
    h = await startHarness({ maxConversations: 3 });
    const agent = await h.registeredAgent();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await h.conversation();
      ids.push(id);
      await turn(id, `c${i}`, agent);
    }
    expect(h.sidecar.conversationCount).toBe(3);
    expect((await list()).conversations.map((c) => c.title)).toEqual(["c4", "c3", "c2"]);
    await expect(startHarness({ maxConversations: 0 })).rejects.toThrow(/maxConversations/);
  });
});
