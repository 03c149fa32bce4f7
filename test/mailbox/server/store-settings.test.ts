/**
 * The store of a server, configured through the public entry: `storeSettings`
 * reach the SQLite store `db` names (its WAL checkpoint size shows in the
 * file) and the PostgreSQL store (its `application_name` shows in
 * `pg_stat_activity`), a bad setting is an `invalid_argument` naming it, and
 * a core assembled by hand from the exported factories serves like one the
 * server opens. Importing the entry loads no database driver.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentwireError } from "agentwire";
import {
  createMailboxCore,
  createMailboxServer,
  createSqliteMailboxStore,
  type MailboxServer,
  type MailboxServerOptions,
} from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";
import { inFreshProcess } from "../../helpers/fresh-process.js";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { withPgClient } from "../../helpers/postgres-cluster.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentwire-store-settings-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a server, runs `fn` against its URL, and closes it (after every connection closed). */
async function withServer<T>(
  options: MailboxServerOptions,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const server: MailboxServer = await createMailboxServer({ port: 0, ...options });
  const { url } = await server.listen();
  try {
    return await fn(url);
  } finally {
    await server.close();
  }
}

async function send(url: string, i: number): Promise<{ messageId: string; threadId: string }> {
  const res = await fetch(`${url}/messages/send`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ from: `s${i % 13}@t`, to: `r${i % 17}@t`, payload: { i } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { messageId: string; threadId: string };
}

async function rejection(promise: Promise<unknown>): Promise<AgentwireError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AgentwireError);
    return err as AgentwireError;
  }
  return expect.unreachable("the promise resolved");
}

describe("storeSettings", () => {
  it("sqlite settings reach the store db names: the WAL checkpoints at walCheckpointKiB", async () => {
    const walBytes = async (name: string, options: MailboxServerOptions) => {
      const db = join(dir, `${name}.db`);
      return await withServer({ db, ...options }, async (url) => {
        for (let i = 0; i < 150; i++) await send(url, i);
        return statSync(`${db}-wal`).size;
      });
    };
    const small = await walBytes("small", {
      storeSettings: { sqlite: { walCheckpointKiB: 256 } },
    });
    const large = await walBytes("default", {});
    expect(small).toBeLessThan(512 * 1024);
    expect(large).toBeGreaterThan(4 * small);
  });

  it("a bad store setting fails createMailboxServer with invalid_argument naming it", async () => {
    const err = await rejection(
      createMailboxServer({ port: 0, storeSettings: { sqlite: { pageCacheKiB: 1 } } }),
    );
    expect(err.reason).toBe("invalid_argument");
    expect(err.rawMessage).toBe("pageCacheKiB: must be an integer of at least 64, got 1");
    // The PostgreSQL store checks its settings before it loads pg or connects.
    const pgErr = await rejection(
      createMailboxServer({
        port: 0,
        db: "postgres://nobody@127.0.0.1:1/none",
        storeSettings: { postgres: { maxConnections: 0 } },
      }),
    );
    expect(pgErr.reason).toBe("invalid_argument");
    expect(pgErr.rawMessage.startsWith("maxConnections:")).toBe(true);
  });

  it("a core assembled from the exported store and core factories serves like an opened one", async () => {
    const path = join(dir, "assembled.db");
    const store = await createSqliteMailboxStore({ path, synchronous: "normal" });
    const core = createMailboxCore({ store });
    await withServer({ core }, async (url) => {
      const sent = await send(url, 1);
      const unread = (await (await fetch(`${url}/mailbox/r1%40t/unread`)).json()) as {
        messages: { id: string; threadId: string }[];
      };
      expect(unread.messages.map((m) => [m.id, m.threadId])).toEqual([
        [sent.messageId, sent.threadId],
      ]);
    });
    // The server closed the core, and with it the store: the file has the message.
    const again = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    try {
      expect((await again.unread("r1@t")).length).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe("storeSettings on PostgreSQL", () => {
  let pg: TestPostgres | undefined;
  beforeAll(async () => {
    pg = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.close();
  });

  it("postgres settings reach the store: its connections carry the applicationName", async () => {
    const url = pg!.url;
    const names = await withServer(
      { db: url, storeSettings: { postgres: { applicationName: "aw-settings-test" } } },
      async (server) => {
        await send(server, 2);
        return await withPgClient(url, async (c) => {
          const r = await c.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where application_name = 'aw-settings-test'",
          );
          return Number(r.rows[0]!.n);
        });
      },
    );
    // The pool's connection that took the send, and the listener's.
    expect(names).toBeGreaterThanOrEqual(2);
  });
});

describe("what agentwire/mailbox-server loads", () => {
  it("importing the entry loads neither better-sqlite3 nor pg; a :memory: server loads only better-sqlite3", () => {
    const loaded = inFreshProcess(
      `const m = await import(${JSON.stringify(join(projectRoot, "src/mailbox/server/index.ts"))});
       const before = drivers();
       const server = await m.createMailboxServer({ port: 0 });
       await server.close();
       console.log(JSON.stringify({ before, after: drivers() }));`,
    );
    expect(loaded).toEqual({ before: [], after: ["better-sqlite3"] });
  });
});
