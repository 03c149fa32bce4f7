/**
 * The PostgreSQL store on its own: the test cluster itself, options checked by
 * name, a clear error when the database is unreachable at start, migrations
 * applied once when servers start together (and a newer schema refused),
 * statement timeouts that fail a send cleanly, NOTIFY payloads split under
 * PostgreSQL's limit, and `openMailboxStore` choosing the backend by the string.
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentwireError } from "../../../src/client/errors.js";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import { openMailboxStore } from "../../../src/mailbox/store/open-store.js";
import { notifyPayloads } from "../../../src/mailbox/store/postgres-append.js";
import { resolvePostgresMailboxStoreOptions } from "../../../src/mailbox/store/postgres-options.js";
import { createPostgresMailboxStore } from "../../../src/mailbox/store/postgres-store.js";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { follow } from "./follow.js";

let db: TestPostgres | undefined;
beforeAll(async () => {
  db = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

const server = () => {
  if (!db) throw new Error("PostgreSQL did not start");
  return db;
};

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function rejection(p: Promise<unknown>): Promise<AgentwireError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AgentwireError);
  return e as AgentwireError;
}

describe("options", () => {
  it("fills in the defaults and names a bad option", () => {
    const r = resolvePostgresMailboxStoreOptions({ url: "postgres://u@h/db" });
    expect(r).toMatchObject({
      maxConnections: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 15_000,
      channel: "agentwire_mailbox",
    });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ url: "mysql://h/db" }, /^url: /],
      [{ maxConnections: 0 }, /^maxConnections: /],
      [{ connectTimeoutMs: 1.5 }, /^connectTimeoutMs: /],
      [{ statementTimeoutMs: -1 }, /^statementTimeoutMs: /],
      [{ channel: "Mail-Box" }, /^channel: /],
      [{ listenerRetryMaxMs: 0 }, /^listenerRetryMaxMs: /],
    ];
    for (const [o, message] of bad) {
      let error: unknown;
      try {
        resolvePostgresMailboxStoreOptions({ url: "postgres://u@h/db", ...o } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AgentwireError);
      expect((error as AgentwireError).reason).toBe("invalid_argument");
      expect((error as AgentwireError).rawMessage).toMatch(message);
    }
  });
});

describe("start", () => {
  it("an unreachable database is a clear unavailable error naming it, without the password", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const a = s.address();
        s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
      });
    });
    const e = await rejection(
      createPostgresMailboxStore({
        url: `postgres://mail:secret@127.0.0.1:${port}/mailbox`,
        connectTimeoutMs: 1000,
      }),
    );
    expect(e.reason).toBe("unavailable");
    expect(e.rawMessage).toMatch(
      new RegExp(
        `^cannot reach the mailbox database postgres://mail:\\*\\*\\*@127\\.0\\.0\\.1:${port}/mailbox: `,
      ),
    );
    expect(e.rawMessage).not.toMatch(/secret/);
  });

  it("without the pg package, opening the store is an error naming pg and how to install it", () => {
    const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        fileURLToPath(new URL("../../helpers/register-without-packages.mjs", import.meta.url)),
        fixture("open-without-pg.ts"),
      ],
      { encoding: "utf8", env: { ...process.env, AGENTWIRE_WITHOUT_PACKAGES: "pg" } },
    );
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const expected = {
      name: "ConnectError",
      reason: "unsupported",
      message:
        "The PostgreSQL mailbox store needs the optional package pg, which is not installed: npm install pg",
    };
    expect(lines).toEqual([expected, expected]);
  });

  it("servers starting together apply each migration once; a newer schema is refused", async () => {
    const url = await server().createSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => createPostgresMailboxStore({ url, maxConnections: 2 })),
    );
    const versions = await withClient(
      url,
      async (c) => (await c.query("SELECT version FROM mailbox_schema_version")).rows,
    );
    expect(versions).toEqual([{ version: 1 }]);
    for (const s of stores) expect(await s.health()).toEqual({ ok: true });
    await Promise.all(stores.map((s) => s.close()));
    await withClient(url, (c) =>
      c.query("INSERT INTO mailbox_schema_version (version, applied_at) VALUES (99, 0)"),
    );
    const e = await rejection(createPostgresMailboxStore({ url }));
    expect(e.reason).toBe("unavailable");
    expect(e.rawMessage).toMatch(/is at schema version 99, newer than this agentwire \(1\)/);
  });

  it("openMailboxStore picks PostgreSQL for a postgres:// URL and SQLite otherwise", async () => {
    const p = await openMailboxStore(await server().createSchema());
    const s = await openMailboxStore(":memory:");
    expect([p.backend, s.backend]).toEqual(["postgres", "sqlite"]);
    await p.close();
    await s.close();
    expect(await p.health()).toEqual({ ok: false, detail: "closed" });
    expect((await rejection(p.latestSeq("a"))).reason).toBe("unavailable");
  });
});

describe("sends", () => {
  it("a send held past the statement timeout fails with unavailable and stores nothing; the next one goes through", async () => {
    const url = await server().createSchema();
    const store = await createPostgresMailboxStore({ url, statementTimeoutMs: 300 });
    const core = createMailboxCore({ store });
    await core.send({ from: "a", to: ["busy"], payload: 1 });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM mailbox_agents WHERE id = 'busy' FOR UPDATE");
    const e = await rejection(core.send({ from: "b", to: ["busy"], payload: 2 }));
    expect(e.reason).toBe("unavailable");
    expect(e.rawMessage).toMatch(
      /mailbox database cannot take the operation now \(canceling statement due to statement timeout\)/,
    );
    await holder.query("ROLLBACK");
    await holder.end();
    const after = await core.send({ from: "b", to: ["busy"], payload: 3 });
    expect(after.deliveries).toEqual([{ agentId: "busy", seq: 2n }]);
    expect((await core.deliveries("busy", 0n, 10)).map((d) => d.message.payload)).toEqual([1, 3]);
    const counts = await withClient(
      url,
      async (c) =>
        (
          await c.query(
            "SELECT (SELECT count(*)::int FROM mailbox_messages) AS m, (SELECT count(*)::int FROM mailbox_threads) AS t",
          )
        ).rows[0],
    );
    expect(counts).toEqual({ m: 2, t: 2 });
    await core.close();
  });

  it("splits NOTIFY payloads under PostgreSQL's 8000 bytes: 100 recipients with 250-character ids are all woken on another store", async () => {
    const long = Array.from(
      { length: 100 },
      (_, i) => `${String(i).padStart(3, "0")}${"x".repeat(247)}`,
    );
    const payloads = notifyPayloads("source", long);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap((p) => JSON.parse(p).a)).toEqual(long);

    const url = await server().createSchema();
    const a = createMailboxCore({ store: await createPostgresMailboxStore({ url }) });
    const b = createMailboxCore({ store: await createPostgresMailboxStore({ url }) });
    const followers = long.map((id) => follow(b, id));
    await a.send({
      from: "sender",
      to: [long[0] as string],
      cc: long.slice(1, 60),
      bcc: long.slice(60),
      payload: "all",
    });
    for (const f of followers) await f.reach(1n);
    expect(followers.every((f) => f.wakes() >= 1 && f.seen.length === 1)).toBe(true);
    for (const f of followers) f.stop();
    await a.close();
    await b.close();
  });
});
