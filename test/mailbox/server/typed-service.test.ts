import { Code, ConnectError } from "@connectrpc/connect";
import { Role } from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startMailbox,
  type TestMailbox,
  type TypedMailbox,
  type TypedTransportKind,
  typedMailbox,
} from "../mailbox-harness.js";

async function code(promise: Promise<unknown>): Promise<Code | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

// The typed MailboxService on the same port as the HTTP routes, through the
// generated client over Connect (HTTP/1.1 and HTTP/2), gRPC and gRPC-web.
describe.each<TypedTransportKind>(["connect-1.1", "connect-2", "grpc", "grpc-web"])(
  "MailboxService over %s",
  (kind) => {
    let mailbox: TestMailbox;
    let typed: TypedMailbox;
    let n = 0;
    const agent = (role: string) => `${role}-${++n}@${kind}`;

    beforeAll(async () => {
      mailbox = await startMailbox();
      typed = typedMailbox(mailbox.url, kind);
    });
    afterAll(async () => {
      typed.close();
      await mailbox.close();
    });

    it("registers, sends, lists unread with each thread's context once, and marks read up to a sequence", async () => {
      const { client } = typed;
      const [a, b, c, d] = [agent("a"), agent("b"), agent("c"), agent("d")];
      expect(await client.register({ agentId: a })).toMatchObject({
        agentId: a,
        created: true,
        token: "",
      });
      expect((await client.register({ agentId: a })).created).toBe(false);
      const sent = await client.send({
        sender: a,
        to: [b],
        cc: [c],
        bcc: [d],
        payload: { kind: { case: "stringValue", value: "hello" } },
        contextSnapshot: { step: 1 },
      });
      expect(sent.deliveredTo).toEqual([b, c, d]);
      expect(sent.deliveries.map((x) => [x.agentId, x.seq])).toEqual([
        [b, 1n],
        [c, 1n],
        [d, 1n],
      ]);
      expect(sent.timestampMs).toBeGreaterThan(0n);
      const second = await client.send({ sender: a, to: [b], cc: [c], threadId: sent.threadId });
      expect(second.deliveries[0]?.seq).toBe(2n);

      const unread = await client.unread({ agentId: b });
      expect(unread.deliveries.map((x) => x.seq)).toEqual([1n, 2n]);
      expect(Object.keys(unread.contexts)).toEqual([sent.threadId]);
      expect(unread.contexts[sent.threadId]?.recentMessages).toHaveLength(2);
      expect(unread.deliveries[0]?.message?.payload?.kind).toEqual({
        case: "stringValue",
        value: "hello",
      });
      expect(unread.deliveries[0]?.message?.contextSnapshot).toEqual({ step: 1 });
      const blind = await client.unread({ agentId: d });
      expect(blind.deliveries[0]?.message?.bcc).toEqual([]);

      expect(
        (await client.markRead({ agentId: b, threadId: sent.threadId, upToSeq: 1n })).upToSeq,
      ).toBe(1n);
      expect((await client.unread({ agentId: b })).deliveries.map((x) => x.seq)).toEqual([2n]);
      expect((await client.markRead({ agentId: b, threadId: sent.threadId })).upToSeq).toBe(2n);
      expect((await client.unread({ agentId: b })).deliveries).toEqual([]);
      const after = await client.unread({ agentId: c, afterSeq: 1n, limit: 1 });
      expect(after.deliveries.map((x) => x.seq)).toEqual([2n]);
    });

    it("lists the mailbox, reads a thread, its context and participants as the reader may see them", async () => {
      const { client } = typed;
      const [a, b, d1, d2, outsider] = [
        agent("a"),
        agent("b"),
        agent("d1"),
        agent("d2"),
        agent("o"),
      ];
      const sent = await client.send({ sender: a, to: [b], bcc: [d1, d2] });
      const page = await client.listMailbox({ agentId: b });
      expect(page).toMatchObject({ total: 1, limit: 100, offset: 0, unreadCount: 1 });
      expect(page.threads[0]?.id).toBe(sent.threadId);
      const mine = await client.getThread({ threadId: sent.threadId, agentId: a });
      expect(mine.thread?.messages[0]?.bcc).toEqual([d1, d2]);
      expect(mine.thread?.silentParticipants).toEqual([d1, d2]);
      const blind = await client.getThread({ threadId: sent.threadId, agentId: d2 });
      expect(blind.thread?.silentParticipants).toEqual([d2]);
      expect(blind.thread?.messages[0]?.bcc).toEqual([]);
      const ctx = await client.syncThread({ threadId: sent.threadId, agentId: b, recent: 1 });
      expect(ctx.context?.recentMessages).toHaveLength(1);
      const ps = await client.listParticipants({ threadId: sent.threadId, agentId: d1 });
      expect(ps.participants.map((p) => [p.agentId, p.role])).toEqual([
        [a, Role.TO],
        [b, Role.TO],
        [d1, Role.BCC],
      ]);
      for (const call of [
        client.getThread({ threadId: sent.threadId, agentId: outsider }),
        client.syncThread({ threadId: sent.threadId, agentId: outsider }),
        client.listParticipants({ threadId: sent.threadId, agentId: outsider }),
        client.getThread({ threadId: "no-such", agentId: a }),
      ])
        expect(await code(call)).toBe(Code.NotFound);
    });

    it("replies to all visible participants and refuses bad input with INVALID_ARGUMENT naming the field", async () => {
      const { client } = typed;
      const [a, b, c] = [agent("a"), agent("b"), agent("c")];
      const sent = await client.send({ sender: a, to: [b], cc: [c] });
      const reply = await client.replyAll({
        sender: c,
        threadId: sent.threadId,
        handoff: { goal: "finish", maxContextBytes: 300 },
        contextSnapshot: { draft: "v1" },
      });
      expect(reply.deliveredTo).toEqual([a, b].sort());
      const t = await client.getThread({ threadId: sent.threadId, agentId: a });
      expect(t.thread?.messages.at(-1)?.contextSnapshot).toMatchObject({
        version: 1,
        goal: "finish",
        context: { draft: "v1" },
      });
      try {
        await client.send({ sender: a, to: [] });
        expect.unreachable();
      } catch (err) {
        const e = ConnectError.from(err);
        expect(e.code).toBe(Code.InvalidArgument);
        expect(e.rawMessage).toMatch(/to/);
      }
      expect(await code(client.send({ sender: "", to: [b] }))).toBe(Code.InvalidArgument);
      expect(await code(client.replyAll({ sender: a, threadId: "nope" }))).toBe(Code.NotFound);
    });

    it("the typed and HTTP views of a message are the same data", async () => {
      const { client } = typed;
      const [a, b] = [agent("a"), agent("b")];
      const payload = { n: 1.5, list: [true, null, "x"], nested: { k: "v" } };
      const sent = await client.send({
        sender: a,
        to: [b],
        payload: {
          kind: {
            case: "structValue",
            value: {
              fields: {
                n: { kind: { case: "numberValue", value: 1.5 } },
                list: {
                  kind: {
                    case: "listValue",
                    value: {
                      values: [
                        { kind: { case: "boolValue", value: true } },
                        { kind: { case: "nullValue", value: 0 } },
                        { kind: { case: "stringValue", value: "x" } },
                      ],
                    },
                  },
                },
                nested: {
                  kind: {
                    case: "structValue",
                    value: { fields: { k: { kind: { case: "stringValue", value: "v" } } } },
                  },
                },
              },
            },
          },
        },
      });
      const http = mailbox.http("1.1");
      const r = await http.get(`/mailbox/${encodeURIComponent(b)}/unread`);
      expect(r.body.messages[0]).toMatchObject({ id: sent.messageId, payload });
      expect(BigInt(r.body.messages[0].timestamp)).toBe(sent.timestampMs);
    });
  },
);
