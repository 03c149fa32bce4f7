import { setTimeout as sleep } from "node:timers/promises";
import { createSession, type ServeHandlers, serve } from "agentwire";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";

async function* words(text: string, signal: AbortSignal) {
  for (const word of text.split(" ")) {
    await sleep(10, undefined, { signal }); // a STOP aborts the wait at once
    yield `${word} `;
  }
}
const agent: ServeHandlers = {
  message: (turn, message) => turn.pipe(words(`you said: ${message.content}`, turn.signal)),
};
it("streams a reply, and sends nothing more after a STOP", async () => {
  const fake = createFakeSidecar();
  const session = createSession(fake.client(), { config: { systemPrompt: "demo" } });
  const served = serve(session, agent);
  await fake.waitForAgent();
  expect((await fake.sendMessage("hi there").ended()).text()).toBe("you said: hi there ");
  const long = fake.sendMessage("one two three four five six seven eight nine ten");
  await fake.nextFrame((f) => f.responseId === long.responseId && f.payload.case === "content");
  fake.stop(long.conversationId);
  await fake.waitUntil(() => served.activeTurns.size === 0, { what: "the stopped turn" });
  expect(long.kinds()).not.toContain("content:END");
  expect(long.text().length).toBeLessThan(20);
  await session.close();
  await fake.close();
});
