import { createMailboxServer } from "agentwire/mailbox-server";
import { expect, it } from "vitest";

it("orchestrator -> researcher (cc writer, bcc logger); the researcher replies to all", async () => {
  const server = await createMailboxServer({ port: 0 }); // 127.0.0.1, open mode, :memory:
  const { url } = await server.listen();
  const call = async (path: string, body?: unknown) => {
    const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body) };
    const res = await fetch(`${url}${path}`, {
      headers: { "content-type": "application/json" },
      ...init,
    });
    return res.json();
  };
  const sent = await call("/messages/send", {
    from: "orchestrator@demo",
    to: "researcher@demo",
    cc: ["writer@demo"],
    bcc: ["logger@demo"],
    payload: { task: "find three sources on tides" },
    contextSnapshot: { topic: "tides" },
  });
  expect(sent.deliveredTo).toEqual(["researcher@demo", "writer@demo", "logger@demo"]);

  const [frame] = (await call("/mailbox/researcher@demo/unread")).messages;
  expect(frame.payload.task).toBe("find three sources on tides");
  expect(frame.context.snapshot).toEqual({ topic: "tides" }); // it never starts cold
  expect(frame.bcc).toBeUndefined(); // only the sender sees bcc

  const reply = await call("/messages/reply-all", {
    from: "researcher@demo",
    threadId: sent.threadId,
    payload: { sources: ["a", "b", "c"] },
  });
  expect(reply.deliveredTo).toEqual(["orchestrator@demo", "writer@demo"]); // not the logger

  await call("/mailbox/researcher@demo/read", { threadId: sent.threadId });
  expect((await call("/mailbox/researcher@demo/unread")).messages).toEqual([]);
  expect((await call("/mailbox/logger@demo/unread")).messages).toHaveLength(1);
  await server.close();
});
