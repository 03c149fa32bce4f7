import { createSession, serve } from "agentwire";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";

// The testing kit driving an agent written with the Turn layer's `serve`.
it("drives a serve() agent: a reply, then a stop that aborts the next turn", async () => {
  const fake = createFakeSidecar({ timeoutMs: 3000 });
  const client = fake.client();
  const session = createSession(client, { config: { systemPrompt: "serve" } });
  const handle = serve(session, {
    async message(turn, message) {
      if (message.content === "wait") {
        await new Promise((resolve) => turn.signal.addEventListener("abort", resolve));
        return;
      }
      await turn.write("you said: ");
      return message.content;
    },
  });
  await fake.waitForAgent();

  const turn = fake.sendMessage("hello", { conversationId: "c1" });
  await turn.ended();
  expect(turn.text()).toBe("you said: hello");
  expect(turn.kinds()[0]).toBe("content:START");
  expect(turn.kinds().at(-1)).toBe("content:END");

  const slow = fake.sendMessage("wait", { conversationId: "c1" });
  await fake.waitUntil(() => handle.activeTurns.get("c1")?.responseId === slow.responseId);
  fake.stop("c1", "stop");
  await fake.waitUntil(() => handle.activeTurns.get("c1") === undefined, {
    what: "the turn to end",
  });
  expect(slow.error()).toBeUndefined();
  expect(slow.stopped).toBe(true);

  await handle.close();
  await session.close();
  client.close();
  await fake.close();
});
