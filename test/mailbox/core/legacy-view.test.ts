/**
 * The AgentMailbox HTTP JSON view: `to` as a string, spec key order, optional
 * lists omitted, and the unread body with each context serialised once.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  legacyContext,
  legacyMessage,
  legacyThread,
  legacyUnreadJson,
} from "../../../src/mailbox/core/legacy-view.js";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import type { MailboxCore } from "../../../src/mailbox/core/mailbox-types.js";
import { createSqliteMailboxStore } from "../../../src/mailbox/store/sqlite-store.js";

let core: MailboxCore | undefined;
afterEach(async () => core?.close());

async function scene() {
  core = createMailboxCore({ store: await createSqliteMailboxStore({ path: ":memory:" }) });
  const a = await core.send({ from: "a", to: "b", cc: ["c"], bcc: ["d"], payload: { n: 1 } });
  await core.send({ from: "c", to: ["b", "e"], threadId: a.threadId, payload: "two" });
  await core.send({ from: "x", to: ["b"], replyTo: a.messageId, payload: null });
  return { core, threadId: a.threadId };
}

describe("the HTTP JSON view", () => {
  it("answers to as a string for one recipient, a list for several, keys in spec order", async () => {
    const { core, threadId } = await scene();
    const t = legacyThread(await core.thread(threadId, "a"));
    expect(t.messages.map((m) => m.to)).toEqual(["b", ["b", "e"]]);
    expect(Object.keys(t.messages[0]!)).toEqual([
      "id",
      "threadId",
      "from",
      "to",
      "cc",
      "bcc",
      "payload",
      "contextSnapshot",
      "timestamp",
    ]);
    expect(Object.keys(legacyThread(await core.thread(threadId, "b")).messages[1]!)).toEqual([
      "id",
      "threadId",
      "from",
      "to",
      "payload",
      "contextSnapshot",
      "timestamp",
    ]);
    const ctx = legacyContext(await core.sync(threadId, "b"));
    expect(Object.keys(ctx)).toEqual(["snapshot", "threadSummary", "recentMessages", "tokenCount"]);
    expect(ctx.recentMessages[0]!.to).toBe("b");
  });

  it("encodes the unread body as the frames would be, each context once", async () => {
    const { core } = await scene();
    const frames = await core.unread("b");
    const body = legacyUnreadJson(frames);
    const expected = {
      messages: frames.map((f) => {
        const { contextSnapshot: _s, timestamp, payload, ...head } = legacyMessage(f.message);
        return { ...head, timestamp, payload, context: legacyContext(f.context) };
      }),
    };
    expect(JSON.parse(body)).toEqual(expected);
    const first = JSON.parse(body).messages[0];
    expect(Object.keys(first)).toEqual([
      "id",
      "threadId",
      "from",
      "to",
      "cc",
      "timestamp",
      "payload",
      "context",
    ]);
    expect(first.to).toBe("b");
    const third = JSON.parse(body).messages[2];
    expect(third.replyTo).toBe(frames[0]!.message.id);
    expect(legacyUnreadJson(await core.unread("nobody"))).toBe('{"messages":[]}');
  });
});
