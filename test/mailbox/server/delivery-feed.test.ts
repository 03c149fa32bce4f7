import { createMailboxServer, type MailboxCore } from "agentwire/mailbox-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliveryFeed, type FeedItem } from "../../../src/mailbox/server/delivery-feed.js";

/** The sequences of a pulled page (none for a heartbeat or the end). */
function seqsOf(r: IteratorResult<FeedItem, unknown>): bigint[] {
  const item = r.done ? undefined : r.value;
  return item?.kind === "deliveries" ? item.deliveries.map((d) => d.seq) : [];
}

// The feed under SSE and Watch, over the real core (SQLite :memory:): it reads
// the store a page at a time and only when the reader pulls, so a slow reader
// holds at most one page, whatever the backlog.
describe("deliveryFeed", () => {
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

  it("reads one page per pull: a reader that stops pulling leaves the backlog in the store", async () => {
    for (let i = 0; i < 95; i++) await core.send({ from: `s${i}`, to: ["slow"] });
    const stop = new AbortController();
    const feed = deliveryFeed({
      core,
      agentId: "slow",
      afterSeq: 0n,
      pageSize: 10,
      heartbeatMs: 60_000,
      signal: stop.signal,
    });
    const first = await feed.next();
    expect(seqsOf(first)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    // The reader is slow: more mail arrives, nothing more is read until it pulls.
    for (let i = 0; i < 20; i++) await core.send({ from: `t${i}`, to: ["slow"] });
    expect(reads).toEqual([10]);
    const seqs: bigint[] = [];
    for (let page = await feed.next(); ; page = await feed.next()) {
      seqs.push(...seqsOf(page));
      if (seqs.length === 105) break;
    }
    expect(seqs).toEqual(Array.from({ length: 105 }, (_, i) => BigInt(i + 11)));
    expect(Math.max(...reads)).toBe(10);
    stop.abort();
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });

  it("a wake-up during a read is never lost: it reads again", async () => {
    const stop = new AbortController();
    const feed = deliveryFeed({
      core,
      agentId: "w",
      afterSeq: 0n,
      pageSize: 5,
      heartbeatMs: 60_000,
      signal: stop.signal,
    });
    const next = feed.next();
    await core.send({ from: "x", to: ["w"] });
    const got = await next;
    expect(seqsOf(got)).toEqual([1n]);
    stop.abort();
    await feed.return(undefined);
  });
});
