import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mailboxHttp } from "../mailbox-harness.js";
import { spawnMailbox } from "../mailbox-process.js";

const dir = mkdtempSync(join(tmpdir(), "agentwire-mailbox-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("agentwire mailbox (the CLI as a process)", () => {
  /** Sends through a CLI started with `flags`, SIGKILLs it the moment after the answer, and answers what a restarted one has unread. */
  async function afterSigkill(file: string, flags: string[], payload: unknown) {
    const db = join(dir, file);
    const first = spawnMailbox(["--port", "0", "--db", db, ...flags]);
    let listening: string;
    try {
      const http = mailboxHttp(await first.url, "1.1");
      listening = first.output();
      const sent = await http.post("/messages/send", {
        from: "writer@demo",
        to: "reader@demo",
        payload,
      });
      expect(sent.status).toBe(200);
      // Killed the moment after the answer: no drain, no close, no checkpoint.
      first.child.kill("SIGKILL");
      await http.close();
      expect(await first.exited).toEqual([null, "SIGKILL"]);
    } finally {
      await first.kill();
    }
    const second = spawnMailbox(["--port", "0", "--db", db]);
    try {
      const http = mailboxHttp(await second.url, "2");
      const unread = await http.get("/mailbox/reader@demo/unread");
      await http.close();
      second.child.kill("SIGTERM");
      expect(await second.exited).toEqual([0, null]);
      expect(second.output()).toContain("draining");
      return {
        listening,
        payloads: unread.body.messages.map((m: { payload: unknown }) => m.payload),
      };
    } finally {
      await second.kill();
    }
  }

  it("a send answered 200 survives SIGKILL of the server: restarted on the same file, the message is there", async () => {
    const { listening, payloads } = await afterSigkill("durable.sqlite", [], { text: "keep me" });
    expect(payloads).toEqual([{ text: "keep me" }]);
    expect(listening).not.toContain("synchronous");
  }, 60_000);

  it("--synchronous normal: the listening line says so, and an answered send still survives SIGKILL", async () => {
    const { listening, payloads } = await afterSigkill(
      "normal.sqlite",
      ["--synchronous", "normal"],
      {
        text: "in the OS cache",
      },
    );
    expect(payloads).toEqual([{ text: "in the OS cache" }]);
    expect(listening).toContain(`db ${join(dir, "normal.sqlite")}, synchronous normal)`);
  }, 60_000);

  it("SIGINT drains and exits 0; token mode reads the administrator key from a file", async () => {
    const keyFile = join(dir, "admin.key");
    writeFileSync(keyFile, "a-long-administrator-key-from-a-file\n");
    const p = spawnMailbox(["--port", "0", "--auth", "tokens", "--admin-key-file", keyFile]);
    try {
      const url = await p.url;
      expect(p.output()).toContain("tokens mode");
      const admin = mailboxHttp(url, "1.1", "a-long-administrator-key-from-a-file");
      const r = await admin.post("/agents/register", { agentId: "cli@demo" });
      expect(r.status).toBe(201);
      expect(typeof r.body.token).toBe("string");
      const anonymous = mailboxHttp(url, "1.1");
      expect((await anonymous.get("/mailbox/cli@demo/unread")).status).toBe(401);
      await Promise.all([admin.close(), anonymous.close()]);
      p.child.kill("SIGINT");
      expect(await p.exited).toEqual([0, null]);
    } finally {
      await p.kill();
    }
  }, 30_000);

  it("a port in use names --port; bad flags and values exit 2 with the usage", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = spawnMailbox(["--port", String(port)]);
      expect(await busy.exited).toEqual([1, null]);
      expect(busy.output()).toMatch(new RegExp(`--port ${port} is in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    for (const [args, pattern] of [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--port", "70000"], /--port must be a port/],
      [["--auth", "maybe"], /--auth must be "open" or "tokens"/],
      [["--auth", "tokens"], /needs an administrator key/],
      [["--host", "0.0.0.0"], /host: 0\.0\.0\.0 is reachable/],
      [["--admin-key"], /Unknown option '--admin-key'/],
      [["--synchronous", "off"], /--synchronous must be "full" or "normal", got "off"/],
      [
        ["--db", "postgres://mail@127.0.0.1:1/mail", "--synchronous", "normal"],
        /--synchronous applies to a SQLite --db only/,
      ],
    ] as const) {
      const p = spawnMailbox([...args]);
      expect(await p.exited, args.join(" ")).toEqual([2, null]);
      expect(p.output()).toMatch(pattern);
      expect(p.output()).toContain("Usage: agentwire mailbox");
    }
  }, 60_000);
});
