/**
 * `agentwire mailbox --db postgres://…` on two ports against one database is
 * one mailbox: what is sent through one server is unread (and pushed) on the other.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { freePort, startMailboxProcess } from "../client/support/mailbox-process.js";

let db: TestPostgres | undefined;
beforeAll(async () => {
  db = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, url).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

it("two CLI servers on one PostgreSQL database behave as one mailbox; neither prints the password", async () => {
  const url = db!.url;
  // The throwaway cluster trusts local connections, so a password in the URL is
  // carried and ignored; an external server's URL keeps its own.
  const withPassword = new URL(url);
  if (withPassword.password === "") withPassword.password = "not-shown-a7f3";
  const password = withPassword.password;
  const a = await startMailboxProcess(await freePort(), withPassword.toString());
  const b = await startMailboxProcess(await freePort(), url);
  try {
    expect(a.output()).toContain(`:***@${withPassword.host}`);
    expect(a.output()).not.toContain(password);
    const sent = await post(`${a.url}/messages/send`, {
      from: "orchestrator@demo",
      to: "researcher@demo",
      payload: { task: "find sources" },
    });
    const unread = (await (await fetch(`${b.url}/mailbox/researcher%40demo/unread`)).json()) as {
      messages: { id: string; from: string }[];
    };
    expect(unread.messages.map((m) => [m.id, m.from])).toEqual([
      [sent.messageId, "orchestrator@demo"],
    ]);
    const reply = await post(`${b.url}/messages/reply-all`, {
      from: "researcher@demo",
      threadId: sent.threadId,
      payload: "on it",
    });
    expect(reply.deliveredTo).toEqual(["orchestrator@demo"]);
    const thread = (await (
      await fetch(`${a.url}/threads/${sent.threadId}?as=orchestrator%40demo`)
    ).json()) as { thread: { messages: unknown[] } };
    expect(thread.thread.messages).toHaveLength(2);
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
  } finally {
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  }
}, 60_000);
