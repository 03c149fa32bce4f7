import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";

let db: TestPostgres;
beforeAll(async () => {
  db = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

it("a committed row survives the server's stop and start", async () => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query("create table t (v int)");
  await c.query("insert into t values (42)");
  await c.end();
  await db.stopServer();
  await expect(
    (async () => {
      const d = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 500 });
      try {
        await d.connect();
      } finally {
        await d.end().catch(() => {});
      }
    })(),
  ).rejects.toThrow();
  await db.startServer();
  const e = new pg.Client({ connectionString: db.url });
  await e.connect();
  const r = await e.query("select v from t");
  await e.end();
  expect(r.rows).toEqual([{ v: 42 }]);
}, 60_000);
