/**
 * Two stores (two pools, as two servers have) on one PostgreSQL database: 20
 * concurrent writers, 10,000 messages. Every recipient's sequence is gap-free,
 * every message is delivered once to each of its recipients, and followers on
 * the second store (woken by LISTEN/NOTIFY for the first store's sends) read
 * every delivery in order while the writers run: a sequence committed out of
 * order would show as a gap there.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import type { MailboxCore } from "../../../src/mailbox/core/mailbox-types.js";
import {
  createPostgresMailboxStore,
  type PostgresMailboxStore,
} from "../../../src/mailbox/store/postgres-store.js";
import { startTestPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { type Follower, follow } from "./follow.js";

let pg: TestPostgres | undefined;
const stores: PostgresMailboxStore[] = [];
const cores: MailboxCore[] = [];
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  for (const c of cores) await c.close();
  await pg?.close();
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

it("20 writers over two stores, 10,000 messages: gap-free sequences, each message delivered once, followed in order across stores", async () => {
  if (!pg) throw new Error("PostgreSQL did not start");
  const url = await pg.createSchema();
  // Both start at once: the migrations run once, under the advisory lock.
  const [a, b] = await Promise.all([
    createPostgresMailboxStore({ url, maxConnections: 8 }),
    createPostgresMailboxStore({ url, maxConnections: 8 }),
  ]);
  stores.push(a, b);
  const coreA = createMailboxCore({ store: a });
  const coreB = createMailboxCore({ store: b });
  cores.push(coreA, coreB);

  const recipients = Array.from({ length: 12 }, (_, i) => `r${i}@team`);
  const followers = new Map<string, Follower>(recipients.map((r) => [r, follow(coreB, r)]));
  const expected = new Map<string, Set<string>>(recipients.map((r) => [r, new Set()]));

  const writers = 20;
  const perWriter = 500;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const core = w % 2 === 0 ? coreA : coreB;
      const next = random(w + 1);
      const pick = () => recipients[Math.floor(next() * recipients.length)] as string;
      for (let i = 0; i < perWriter; i++) {
        const to = pick();
        const cc = next() < 0.3 ? [pick()].filter((x) => x !== to) : [];
        const bcc = next() < 0.1 ? [pick()].filter((x) => x !== to && !cc.includes(x)) : [];
        const r = await core.send({ from: `w${w}@team`, to: [to], cc, bcc, payload: { w, i } });
        expect(r.deliveredTo).toEqual([to, ...cc, ...bcc]);
        for (const d of r.deliveries) expected.get(d.agentId)?.add(r.messageId);
      }
    }),
  );
  const sendMs = performance.now() - started;

  let deliveries = 0;
  for (const r of recipients) {
    const want = expected.get(r) as Set<string>;
    deliveries += want.size;
    const latest = await coreA.latestSeq(r);
    expect(latest).toBe(BigInt(want.size));
    // Gap-free, once each, in the store.
    const stored = await a.deliveriesAfter(r, 0n, 0);
    expect(stored.map((d) => d.seq)).toEqual(stored.map((_, i) => BigInt(i + 1)));
    expect(new Set(stored.map((d) => d.message.id))).toEqual(want);
    expect(stored).toHaveLength(want.size);
    // And as the follower on the other store read them while they were written.
    const f = followers.get(r) as Follower;
    await f.reach(latest);
    expect(f.gaps).toEqual([]);
    expect(f.seen.map((d) => d.message.id).sort()).toEqual([...want].sort());
  }
  expect(deliveries).toBeGreaterThan(writers * perWriter);
  const totalMs = performance.now() - started;
  console.log(
    `pg concurrency: ${writers * perWriter} messages, ${deliveries} deliveries, sends ${Math.round(sendMs)} ms (${Math.round((writers * perWriter) / (sendMs / 1000))} msg/s), followers caught up at ${Math.round(totalMs)} ms`,
  );
}, 120_000);
