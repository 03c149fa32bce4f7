/**
 * Two mailbox servers on one PostgreSQL database behave as one mailbox: a
 * send through A is pushed to SSE and Watch streams held on B with no gap and
 * no duplicate, also when B's listener connection is killed and mail arrives
 * while it is deaf (the catch-up after its reconnect finds it); an unread
 * answer B keeps follows what is sent and read through A; and the
 * database stopped and started under load: acknowledged sends are all there,
 * sends during the outage fail with 503 and a clear error, /health says so,
 * and the servers recover without a restart.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import {
  createPostgresMailboxStore,
  type PostgresMailboxStore,
  type PostgresMailboxStoreOptions,
} from "../../../src/mailbox/store/postgres-store.js";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { until, untilAsync } from "../../helpers/step.js";
import {
  openSse,
  type SseStream,
  startMailbox,
  type TestMailbox,
  typedMailbox,
} from "../mailbox-harness.js";
import { follow } from "./follow.js";

let db: TestPostgres | undefined;
beforeAll(async () => {
  db = await startTestPostgres({ stoppable: true });
}, 60_000);
afterAll(async () => {
  await db?.close();
});

/** A mailbox server over its own PostgreSQL store (its own pool and listener). */
async function serverOn(
  url: string,
  options: Omit<PostgresMailboxStoreOptions, "url"> = {},
): Promise<{ mailbox: TestMailbox; store: PostgresMailboxStore }> {
  const store = await createPostgresMailboxStore({ url, maxConnections: 6, ...options });
  const mailbox = await startMailbox({ core: createMailboxCore({ store }) });
  return { mailbox, store };
}

/** Runs `fn` with a client of the server's `postgres` database (outside the database under test). */
async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.pathname = "/postgres";
  u.search = "";
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Checks that a stream's sequences are exactly 1..n and answers its message ids. */
function exactlyOnce(seqs: number[], ids: string[], n: number): string[] {
  expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(ids).size).toBe(n);
  return ids;
}

it("the test cluster keeps a committed row across its stop and start", async () => {
  if (!db) throw new Error("PostgreSQL did not start");
  const url = await db.createDatabase();
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  await run("create table t (v int)");
  await run("insert into t values (42)");
  await db.stopServer();
  const refused = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
  await expect(refused.connect()).rejects.toThrow();
  await refused.end().catch(() => {});
  await db.startServer();
  expect(await run("select v from t")).toEqual([{ v: 42 }]);
}, 60_000);

describe("two servers on one database", () => {
  it("a send through A reaches B's SSE and Watch streams once each, also after B's listener was killed while mail arrived", async () => {
    if (!db) throw new Error("PostgreSQL did not start");
    const url = await db.createDatabase();
    const dbName = new URL(url).pathname.slice(1);
    const a = await serverOn(url);
    const b = await serverOn(url, { listenerRetryMaxMs: 200 });
    const httpA = a.mailbox.http("1.1");
    const httpB = b.mailbox.http("2");
    const sse1 = await openSse(b.mailbox.url, "1.1", "/mailbox/bob%40team/events");
    const sse2 = await openSse(b.mailbox.url, "2", "/mailbox/bob%40team/events");
    expect(sse1.status).toBe(200);
    const typed = typedMailbox(b.mailbox.url, "grpc");
    const watched: { seq: number; id: string }[] = [];
    const watchDone = new AbortController();
    const watching = (async () => {
      try {
        for await (const ev of typed.client.watch(
          { agentId: "bob@team", afterSeq: 0n },
          { signal: watchDone.signal },
        ))
          if (ev.event.case === "delivery")
            watched.push({
              seq: Number(ev.event.value.seq),
              id: ev.event.value.message?.id ?? "",
            });
      } catch (e) {
        if (!watchDone.signal.aborted) throw e;
      }
    })();

    const acked: string[] = [];
    const sendVia = async (http: typeof httpA, i: number) => {
      const r = await http.post("/messages/send", {
        from: `s${i % 5}@team`,
        to: "bob@team",
        payload: { i },
      });
      expect(r.status, r.text).toBe(200);
      acked.push(r.body.messageId as string);
    };
    const batch = async (http: typeof httpA, from: number, count: number, parallel: number) => {
      let next = from;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < from + count) await sendVia(http, next++);
        }),
      );
    };
    const count = (s: SseStream) => s.events.all.length;
    const allSee = (n: number, what: string) =>
      until(
        () => count(sse1) >= n && count(sse2) >= n && watched.length >= n,
        `B's streams to see ${n} deliveries ${what} (SSE ${count(sse1)}/${count(sse2)}, Watch ${watched.length})`,
        20_000,
      );

    // 1. Live: 100 sends through A, pushed to B by NOTIFY.
    await batch(httpA, 0, 100, 6);
    await allSee(100, "live");

    // 2. B deaf: new connections refused, B's listener killed; 40 sends through A's open connections.
    const before = b.store.listenerStatus();
    expect(before.state).toBe("listening");
    await admin(url, async (c) => {
      await c.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
      const killed = await c.query("SELECT pg_terminate_backend($1) AS ok", [before.backendPid]);
      expect(killed.rows[0].ok).toBe(true);
    });
    await until(() => b.store.listenerStatus().state === "reconnecting", "B's listener to notice");
    await batch(httpA, 100, 40, 1);
    expect(b.store.listenerStatus().state).toBe("reconnecting");

    // 3. Connections allowed again: B's listener reconnects and its catch-up wakes the watchers.
    await admin(url, (c) => c.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`));
    await allSee(140, "after the listener's reconnect");
    const after = b.store.listenerStatus();
    expect(after.reconnects).toBeGreaterThanOrEqual(1);
    expect(after.backendPid).not.toBe(before.backendPid);

    // 4. Live again, sends through both servers.
    await Promise.all([batch(httpA, 140, 30, 3), batch(httpB, 170, 30, 3)]);
    await allSee(200, "through both servers");

    const ids1 = exactlyOnce(
      sse1.events.all.map((e) => Number(e.id)),
      sse1.events.all.map((e) => e.data.id as string),
      200,
    );
    exactlyOnce(
      sse2.events.all.map((e) => Number(e.id)),
      sse2.events.all.map((e) => e.data.id as string),
      200,
    );
    exactlyOnce(
      watched.map((w) => w.seq),
      watched.map((w) => w.id),
      200,
    );
    expect([...ids1].sort()).toEqual([...acked].sort());
    expect(sse1.events.all.map((e) => e.data.seq)).toEqual(
      sse1.events.all.map((e) => Number(e.id)),
    );

    watchDone.abort();
    await watching;
    typed.close();
    await sse1.close();
    await sse2.close();
    await a.mailbox.close();
    await b.mailbox.close();
  }, 60_000);
});

describe("two servers on one database: unread answers kept by one", () => {
  it("B's kept unread answer follows sends and reads made through A", async () => {
    if (!db) throw new Error("PostgreSQL did not start");
    const url = await db.createDatabase();
    const a = await serverOn(url);
    const b = await serverOn(url);
    const coreA = a.mailbox.server.core;
    const coreB = b.mailbox.server.core;
    const payloads = async () => (await coreB.unread("bob")).map((f) => f.message.payload);

    const t = await coreA.send({ from: "alice", to: ["bob"], payload: 1 });
    const first = await coreB.unread("bob");
    expect((await coreB.unread("bob"))[0]).toBe(first[0]);
    // A delivery through A.
    await coreA.send({ from: "alice", to: ["bob"], payload: 2 });
    expect(await payloads()).toEqual([1, 2]);
    // A message in bob's thread, not to bob, through A: B's context shows it.
    const aside = await coreA.send({
      from: "alice",
      to: ["carol"],
      threadId: t.threadId,
      payload: "aside",
    });
    const withAside = await coreB.unread("bob");
    expect(withAside.at(-1)!.context.recentMessages.at(-1)!.id).toBe(aside.messageId);
    // A read through A.
    await coreA.markRead("bob", t.threadId, { upToSeq: 1n });
    expect(await payloads()).toEqual([2]);
    await coreA.markRead("bob", t.threadId);
    expect(await payloads()).toEqual([]);

    await a.mailbox.close();
    await b.mailbox.close();
  }, 60_000);
});

describe("the database stopped and started under load", () => {
  it("acknowledged sends are all there, sends during the outage are 503 with a clear error, /health reports it, both servers recover without a restart", async () => {
    if (!db) throw new Error("PostgreSQL did not start");
    const url = await db.createDatabase();
    const quick = { connectTimeoutMs: 1000, listenerRetryMaxMs: 200 };
    const a = await serverOn(url, quick);
    const b = await serverOn(url, quick);
    const http = a.mailbox.http("1.1");
    const follower = follow(b.mailbox.server.core, "bob@team");

    const acked: string[] = [];
    const failures: { status: number; error: string }[] = [];
    let phase: "before" | "down" | "after" = "before";
    let ackedAfter = 0;
    let stop = false;
    let i = 0;
    const senders = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await http.post("/messages/send", {
          from: "alice@team",
          to: "bob@team",
          cc: ["carol@team"],
          payload: { i: i++ },
        });
        if (r.status === 200) {
          acked.push(r.body.messageId as string);
          if (phase === "after") ackedAfter++;
        } else failures.push({ status: r.status, error: String(r.body?.error) });
      }
    });

    await until(() => acked.length >= 50, "50 sends acknowledged before the outage", 20_000);
    await db.stopServer();
    phase = "down";
    const failedBefore = failures.length;
    await until(
      () => failures.length >= failedBefore + 5,
      "sends to fail during the outage",
      20_000,
    );
    const health = await http.get("/health");
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ok: false, store: "postgres" });
    expect(health.body.detail).toMatch(/mailbox database/);

    await db.startServer();
    phase = "after";
    await until(() => ackedAfter >= 50, "50 sends acknowledged after the database is back", 20_000);
    stop = true;
    await Promise.all(senders);

    expect(failures.length).toBeGreaterThanOrEqual(5);
    for (const f of failures) {
      expect(f.status).toBe(503);
      expect(f.error).toMatch(/mailbox database/);
    }
    // The store answers before the push listener has reconnected; /health says so
    // with a detail until it has, then reports plain health on both servers.
    for (const m of [a.mailbox, b.mailbox]) {
      const h = m.http("1.1");
      await untilAsync(
        async () => (await h.get("/health")).body?.detail === undefined,
        "/health to report the push listener reconnected",
        20_000,
      );
      expect((await h.get("/health")).body).toEqual({ ok: true, store: "postgres" });
    }

    // Every acknowledged send is stored, with all of its deliveries; nothing half-written.
    const core = a.mailbox.server.core;
    const bob = await core.deliveries("bob@team", 0n, 1000);
    const carol = await core.deliveries("carol@team", 0n, 1000);
    expect(bob.map((d) => d.seq)).toEqual(bob.map((_, k) => BigInt(k + 1)));
    expect(carol.map((d) => d.seq)).toEqual(carol.map((_, k) => BigInt(k + 1)));
    const stored = new Set(bob.map((d) => d.message.id));
    expect(new Set(carol.map((d) => d.message.id))).toEqual(stored);
    for (const id of acked) expect(stored.has(id)).toBe(true);
    // What is stored beyond the acknowledged is at most the sends cut off while committing.
    expect(stored.size - acked.length).toBeLessThanOrEqual(failures.length);

    // B's follower, woken across the outage by its listener's catch-up, read all of it once.
    await follower.reach(BigInt(bob.length));
    expect(follower.gaps).toEqual([]);
    expect(follower.seen.map((d) => d.message.id)).toEqual(bob.map((d) => d.message.id));
    follower.stop();
    await a.mailbox.close();
    await b.mailbox.close();
  }, 60_000);
});
