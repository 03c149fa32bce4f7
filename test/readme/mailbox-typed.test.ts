import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createMailboxServer, MailboxService } from "agentwire/mailbox-server";
import { expect, it } from "vitest";

it("the typed way in: send, then Watch replays and streams the deliveries", async () => {
  const server = await createMailboxServer({ port: 0 });
  const { url } = await server.listen();
  const mailbox = createClient(MailboxService, createGrpcTransport({ baseUrl: url }));
  await mailbox.send({ sender: "orchestrator@demo", to: ["researcher@demo"] });

  const stop = new AbortController();
  const seen: bigint[] = [];
  for await (const e of mailbox.watch({ agentId: "researcher@demo" }, { signal: stop.signal })) {
    if (e.event.case !== "delivery") continue; // heartbeats keep the stream alive
    seen.push(e.event.value.seq);
    if (seen.length === 1) await mailbox.send({ sender: "writer@demo", to: ["researcher@demo"] });
    else break; // ends the stream
  }
  expect(seen).toEqual([1n, 2n]); // per-recipient delivery sequences: no gap, no duplicate
  await server.close();
});
