import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMailbox, type MailDelivery, type WatchState } from "agentwire/mailbox";
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

  it("resumes after the last yielded sequence on the restarted server: no gap, no duplicate", async () => {
    const port = await freePort();
    const db = join(dir, "restart.sqlite");
    let server: MailboxProcess = await startMailboxProcess(port, db);
    const url = server.url;
    const sender = createMailbox<N>({ agentId: "sender@r", baseUrl: url });
    const reader = createMailbox<N>({
      agentId: "reader@r",
      baseUrl: url,
      initialDelayMs: 20,
      maxDelayMs: 200,
    });
    const ac = new AbortController();
    try {
      for (let n = 1; n <= 100; n++) await sender.send("reader@r", { n });
      const watch = reader.watch({ signal: ac.signal, context: false });
      const states: WatchState[] = [];
      watch.on("state", (c) => states.push(c.state));
      const got: MailDelivery<N>[] = [];
      const killedAt = deferred<number>();
      const resume = deferred();
      const all = deferred();
      const consumer = (async () => {
        for await (const d of watch) {
          got.push(d);
          if (got.length === 30) {
            // Mid-stream: the server dies while more is in flight.
            killedAt.resolve(got.length);
            await resume.promise;
          }
          if (got.length === 200) all.resolve();
        }
      })();
      expect(await killedAt.promise).toBe(30);
      await server.kill();
      resume.resolve();
      // The watch notices and backs off; a new server starts on the same file and port.
      server = await startMailboxProcess(port, db);
      for (let n = 101; n <= 200; n++) await sender.send("reader@r", { n });
      await all.promise;
      ac.abort();
      await consumer;
      expectGapFree(
        got.map((d) => d.seq),
        200,
      );
      expect(got.map((d) => d.message.payload.n)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect(states).toContain("reconnecting");
      expect(states.at(-1)).toBe("closed");
      expect(watch.lastSeq).toBe(200n);
    } finally {
      ac.abort();
      sender.close();
      reader.close();
      await server.stop();
    }
  }, 60_000);
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
