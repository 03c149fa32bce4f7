import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMailbox, type MailDelivery, type WatchState } from "agentwire/mailbox";
import { createMailboxServer } from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deferred } from "../../helpers/step.js";
import { freePort, type MailboxProcess, startMailboxProcess } from "./support/mailbox-process.js";
import { startServer } from "./support/server.js";

type N = { n: number };

/** Checks that `seqs` is exactly 1..count, in order: no gap, no duplicate. */
function expectGapFree(seqs: bigint[], count: number): void {
  const expected = Array.from({ length: count }, (_, i) => BigInt(i + 1));
  const firstWrong = seqs.findIndex((s, i) => s !== expected[i]);
  expect({ firstWrong, length: seqs.length }).toEqual({ firstWrong: -1, length: count });
}

describe("watch across a SIGKILL of the server", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "agentwire-mbclient-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("replays a burst of 10,000 deliveries, survives a SIGKILL mid-stream, and resumes on the restarted server: no gap, no duplicate", async () => {
    const port = await freePort();
    const db = join(dir, "restart.sqlite");
    // The burst: 10,000 deliveries committed to the file before the CLI starts.
    const burst = 10_000;
    const seed = await createMailboxServer({ db });
    let next = 0;
    const seeder = async () => {
      while (next < burst) {
        const n = ++next;
        await seed.core.send({ from: "sender@r", to: ["reader@r"], payload: { n } });
      }
    };
    await Promise.all(Array.from({ length: 8 }, seeder));
    await seed.close();

    let server: MailboxProcess = await startMailboxProcess(port, db);
    const url = server.url;
    const sender = createMailbox<N>({ agentId: "sender@r", baseUrl: url });
    const reader = createMailbox<N>({
      agentId: "reader@r",
      baseUrl: url,
      initialDelayMs: 20,
      maxDelayMs: 200,
    });
    const total = burst + 100;
    const ac = new AbortController();
    try {
      const watch = reader.watch({ signal: ac.signal, context: false });
      const states: WatchState[] = [];
      watch.on("state", (c) => states.push(c.state));
      const got: MailDelivery<N>[] = [];
      const paused = deferred<number>();
      const resume = deferred();
      const all = deferred();
      const consumer = (async () => {
        for await (const d of watch) {
          got.push(d);
          if (got.length === 4000) {
            // Mid-stream: the server dies while the replay is in flight.
            paused.resolve(got.length);
            await resume.promise;
          }
          if (got.length === total) all.resolve();
        }
      })();
      expect(await paused.promise).toBe(4000);
      await server.kill();
      resume.resolve();
      // The watch yields what it had, notices, backs off; a new server starts on the same file and port.
      server = await startMailboxProcess(port, db);
      for (let n = burst + 1; n <= total; n++) await sender.send("reader@r", { n });
      await all.promise;
      ac.abort();
      await consumer;
      expectGapFree(
        got.map((d) => d.seq),
        total,
      );
      expect(new Set(got.map((d) => d.message.payload.n)).size).toBe(total);
      expect(states).toContain("reconnecting");
      expect(states.at(-1)).toBe("closed");
      expect(watch.lastSeq).toBe(BigInt(total));
    } finally {
      ac.abort();
      sender.close();
      reader.close();
      await server.stop();
    }
  }, 120_000);
});

describe("watch through a burst", () => {
  it("yields 10,000 deliveries exactly once and in order while they are being committed", async () => {
    // The burst is committed through the server's core (the send path has its
    // own tests); the client under test is the watch, over the network.
    const server = await startServer();
    const reader = createMailbox<N>({ agentId: "burst-reader@b", baseUrl: server.url });
    const ac = new AbortController();
    try {
      const total = 10_000;
      const seqs: bigint[] = [];
      const ns = new Set<number>();
      const done = deferred();
      const consumer = (async () => {
        for await (const d of reader.watch({ signal: ac.signal, context: false })) {
          seqs.push(d.seq);
          ns.add(d.message.payload.n);
          if (seqs.length === total) done.resolve();
        }
      })();
      let next = 0;
      const sender = async () => {
        while (next < total) {
          const n = next++;
          await server.core.send({
            from: "burst-sender@b",
            to: ["burst-reader@b"],
            payload: { n },
          });
        }
      };
      await Promise.all(Array.from({ length: 8 }, sender));
      await done.promise;
      ac.abort();
      await consumer;
      expectGapFree(seqs, total);
      expect(ns.size).toBe(total);
    } finally {
      ac.abort();
      reader.close();
      await server.close();
    }
  }, 120_000);
});
