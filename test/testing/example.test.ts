import { createAgentClient, createSession } from "agentwire";
import { ContentChunk_ChunkType as Chunk } from "agentwire/schema";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";

// The example of the createFakeSidecar TSDoc, as a test: an agent written with
// plain session APIs answers every message with START, DELTA, END.
it("an echo agent answers in a START, DELTA, END turn", async () => {
  const fake = createFakeSidecar();
  const client = createAgentClient({ connection: fake.connection });
  const session = createSession(client, { config: { systemPrompt: "echo" } });
  session.on("message", (message, frame) => {
    const reply = (type: Chunk, content = "") =>
      session.respond({
        conversationId: frame.conversationId,
        responseId: frame.responseId,
        payload: { case: "content", value: { type, content } },
      });
    void reply(Chunk.START);
    void reply(Chunk.DELTA, `echo: ${message.content}`);
    void reply(Chunk.END);
  });
  await fake.waitForAgent();

  const turn = fake.sendMessage("hello");
  await turn.ended();
  expect(turn.text()).toBe("echo: hello");
  expect(turn.kinds()).toEqual(["content:START", "content:DELTA", "content:END"]);
  expect(turn.frames.every((f) => f.responseId === turn.responseId)).toBe(true);

  await session.close();
  client.close();
  await fake.close();
});
