/**
 * watchDeliveries: replay after a sequence, then live deliveries, with no gap
 * or duplicate; resume from the last sequence seen; heartbeats; abort ends it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import type { MailboxCore } from "../../../src/mailbox/core/mailbox-types.js";
import { type WatchEvent, watchDeliveries } from "../../../src/mailbox/core/watch.js";
import { createSqliteMailboxStore } from "../../../src/mailbox/store/sqlite-store.js";
import { Inbox } from "../../helpers/step.js";

let core: MailboxCore | undefined;
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  await core?.close();
});

async function open() {
  core = createMailboxCore({ store: await createSqliteMailboxStore({ path: ":memory:" }) });
  return core;
}

/** Runs a watch into an inbox; resolves `ended` when the iteration ends. */
function watch(c: MailboxCore, agentId: string, afterSeq: bigint, heartbeatMs = 60_000) {
  const stop = new AbortController();
  stops.push(stop);
  const events = new Inbox<WatchEvent>();
  const ended = (async () => {
    for await (const e of watchDeliveries(c, agentId, {
      afterSeq,
      signal: stop.signal,
      heartbeatMs,
    }))
      events.push(e);
  })();
  return { events, stop, ended };
}

const seqOf = (e: WatchEvent) => (e.kind === "delivery" ? e.delivery.seq : -1n);

describe("watchDeliveries", () => {
  it("replays what is after the sequence, then streams new deliveries, each once", async () => {
    const c = await open();
    for (let i = 1; i <= 3; i++) await c.send({ from: "a", to: ["me"], payload: i });
    const w = watch(c, "me", 1n);
    expect(seqOf(await w.events.next())).toBe(2n);
    expect(seqOf(await w.events.next())).toBe(3n);
    await Promise.all(
      [4, 5, 6].map((i) => c.send({ from: `s${i}`, to: ["me"], cc: ["x"], payload: i })),
    );
    const live = [await w.events.next(), await w.events.next(), await w.events.next()];
    expect(live.map(seqOf)).toEqual([4n, 5n, 6n]);
    await c.send({ from: "a", to: ["other"] });
    await c.send({ from: "a", to: ["me"], payload: 7 });
    const last = await w.events.next();
    expect(last.kind === "delivery" && last.delivery.message.payload).toBe(7);
    expect(w.events.all.map(seqOf)).toEqual([2n, 3n, 4n, 5n, 6n, 7n]);
    w.stop.abort();
    await w.ended;
  });

  it("resumes from the last sequence seen: nothing lost, nothing twice", async () => {
    const c = await open();
    const first = watch(c, "me", 0n);
    await c.send({ from: "a", to: ["me"], payload: 1 });
    const seen = await first.events.next();
    first.stop.abort();
    await first.ended;
    await c.send({ from: "a", to: ["me"], payload: 2 });
    const again = watch(c, "me", seqOf(seen));
    await c.send({ from: "a", to: ["me"], payload: 3 });
    const got = [await again.events.next(), await again.events.next()];
    expect(got.map(seqOf)).toEqual([2n, 3n]);
  });

  it("sends heartbeats with the newest sequence while nothing happens, and ends on abort", async () => {
    const c = await open();
    await c.send({ from: "a", to: ["me"] });
    const w = watch(c, "me", 1n, 5);
    const beat = await w.events.next();
    expect(beat).toMatchObject({ kind: "heartbeat", latestSeq: 1n });
    w.stop.abort();
    await w.ended;
    const count = w.events.all.length;
    await c.send({ from: "a", to: ["me"] });
    await c.latestSeq("me");
    expect(w.events.all.length).toBe(count);
  });
});
