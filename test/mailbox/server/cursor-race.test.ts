import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type MailboxHttp,
  startMailbox,
  type TestMailbox,
  type TypedMailbox,
  typedMailbox,
} from "../mailbox-harness.js";

// The read cursor is a delivery sequence: hundreds of reads overlapping
// hundreds of sends never hide a message that was counted, and a read never
// covers mail delivered after it.
let mailbox: TestMailbox;
let typed: TypedMailbox;
let http: MailboxHttp;
beforeAll(async () => {
  mailbox = await startMailbox();
  typed = typedMailbox(mailbox.url, "grpc");
  http = mailbox.http("1.1");
});
afterAll(async () => {
  typed.close();
  await mailbox.close();
});

it("300 overlapping send/read pairs: what stays unread is exactly what came after the furthest read", async () => {
  const { client } = typed;
  const first = await client.send({ sender: "a@race", to: ["b@race"] });
  const cuts: bigint[] = [];
  const seqs: bigint[] = [first.deliveries[0]?.seq ?? -1n];
  await Promise.all(
    Array.from({ length: 300 }, async () => {
      const [sent, read] = await Promise.all([
        client.send({ sender: "a@race", to: ["b@race"], threadId: first.threadId }),
        // No up_to_seq: "what was delivered by now", the legacy route's read.
        client.markRead({ agentId: "b@race", threadId: first.threadId }),
      ]);
      seqs.push(sent.deliveries[0]?.seq ?? -1n);
      cuts.push(read.upToSeq);
    }),
  );
  const furthest = cuts.reduce((x, y) => (y > x ? y : x), 0n);
  const after = seqs.filter((s) => s > furthest).sort((x, y) => (x < y ? -1 : 1));
  const unread = await client.unread({ agentId: "b@race" });
  expect(unread.deliveries.map((d) => d.seq)).toEqual(after);
  // The HTTP views agree: the count is the list.
  const listed = (await http.get("/mailbox/b@race/unread")).body.messages;
  const counted = (await http.get("/mailbox/b@race")).body.unreadCount;
  expect(listed).toHaveLength(after.length);
  expect(counted).toBe(after.length);
  expect(new Set(seqs).size).toBe(301);
});

it("300 overlapping HTTP sends and legacy reads: counted is listed, and a read never swallows later mail", async () => {
  const sent = await http.post("/messages/send", { from: "c@race", to: "d@race", payload: -1 });
  const threadId = sent.body.threadId as string;
  const ids = new Set<string>();
  await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const [s, r] = await Promise.all([
        http.post("/messages/send", { from: "c@race", to: "d@race", threadId, payload: i }),
        http.post("/mailbox/d@race/read", { threadId }),
      ]);
      expect([s.status, r.status]).toEqual([200, 200]);
      ids.add(s.body.messageId);
    }),
  );
  const listed = (await http.get("/mailbox/d@race/unread")).body.messages as { id: string }[];
  expect((await http.get("/mailbox/d@race")).body.unreadCount).toBe(listed.length);
  for (const m of listed) expect(ids.has(m.id)).toBe(true);
  // A read, then mail: the mail is unread.
  expect((await http.post("/mailbox/d@race/read", { threadId })).status).toBe(200);
  const later = await http.post("/messages/send", {
    from: "c@race",
    to: "d@race",
    threadId,
    payload: "later",
  });
  const now = (await http.get("/mailbox/d@race/unread")).body.messages as { id: string }[];
  expect(now.map((m) => m.id)).toEqual([later.body.messageId]);
});
