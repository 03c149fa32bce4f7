import { createMailboxServer, type MailboxCore } from "agentwire/mailbox-server";
import { afterEach, beforeEach, expect, it } from "vitest";
import { watchDeliveries } from "../../../src/mailbox/core/watch.js";

// The feed under SSE and Watch reads the store a page at a time and only
// when the reader pulls: a slow reader holds at most one page, however long
// its backlog (the rest stays in the store).
let core: MailboxCore;
let reads: number[];
let close: () => Promise<void>;

beforeEach(async () => {
  const server = await createMailboxServer({ port: 0 });
  close = () => server.close();
  reads = [];
  const real = server.core;
  core = new Proxy(real, {
    get(target, key, receiver) {
      if (key === "deliveries")
        return async (agentId: string, after: bigint, limit: number) => {
          const page = await real.deliveries(agentId, after, limit);
          reads.push(page.length);
          return page;
        };
      return Reflect.get(target, key, receiver);
    },
  });
});
afterEach(() => close());

it("a reader that stops pulling leaves its backlog in the store, and then gets all of it in order", async () => {
  for (let i = 0; i < 95; i++) await core.send({ from: `s${i}`, to: ["slow"] });
  const stop = new AbortController();
  const feed = watchDeliveries(core, "slow", {
    afterSeq: 0n,
    signal: stop.signal,
    batchSize: 10,
    heartbeatMs: 60_000,
  });
  const first = await feed.next();
  expect(first.value?.kind === "delivery" && first.value.delivery.seq).toBe(1n);
  // The reader is slow: more mail arrives; nothing more is read until it pulls.
  for (let i = 0; i < 20; i++) await core.send({ from: `t${i}`, to: ["slow"] });
  expect(reads).toEqual([10]);
  const seqs: bigint[] = [];
  while (seqs.length < 114) {
    const next = await feed.next();
    if (next.value?.kind === "delivery") seqs.push(next.value.delivery.seq);
  }
  expect(seqs).toEqual(Array.from({ length: 114 }, (_, i) => BigInt(i + 2)));
  expect(Math.max(...reads)).toBe(10);
  stop.abort();
  expect((await feed.next()).done).toBe(true);
});
