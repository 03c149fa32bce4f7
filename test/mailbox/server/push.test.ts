import { Code, ConnectError } from "@connectrpc/connect";
import type { WatchResponse } from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inbox } from "../../helpers/step.js";
import {
  type HttpVersion,
  type MailboxHttp,
  openSse,
  startMailbox,
  type TestMailbox,
  type TypedMailbox,
  type TypedTransportKind,
  typedMailbox,
} from "../mailbox-harness.js";

/** Runs a Watch in the background, its events in an inbox. */
function watch(typed: TypedMailbox, agentId: string, afterSeq = 0n, includeContext = false) {
  const events = new Inbox<WatchResponse>();
  const stop = new AbortController();
  const done = (async () => {
    for await (const e of typed.client.watch(
      { agentId, afterSeq, includeContext },
      { signal: stop.signal },
    ))
      events.push(e);
  })().catch((err: unknown) => {
    if (ConnectError.from(err).code !== Code.Canceled) throw err;
  });
  return {
    events,
    done,
    /** The next delivery's sequence (skipping heartbeats). */
    async nextSeq(): Promise<bigint> {
      const e = await events.nextMatching((x) => x.event.case !== "heartbeat", "a delivery");
      if (e.event.case === "delivery") return e.event.value.seq;
      if (e.event.case === "frame") return e.event.value.seq;
      throw new Error("unreachable");
    },
    async stop() {
      stop.abort();
      await done;
    },
  };
}

// Push: SSE and Watch replay what is after the cursor, then stream, with no
// gap and no duplicate, reading from the store.
describe.each<HttpVersion>(["1.1", "2"])("SSE over HTTP/%s", (version) => {
  let mailbox: TestMailbox;
  let http: MailboxHttp;
  let n = 0;
  const agent = (role: string) => `${role}-${++n}@sse${version}`;
  const events = (who: string, headers?: Record<string, string>, query = "") =>
    openSse(mailbox.url, version, `/mailbox/${encodeURIComponent(who)}/events${query}`, headers);
  const send = async (from: string, to: string, payload: unknown) => {
    const r = await http.post("/messages/send", { from, to, payload });
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    mailbox = await startMailbox({ sseHeartbeatMs: 25 });
    http = mailbox.http(version);
  });
  afterAll(() => mailbox.close());

  it("replays the deliveries after the cursor, then streams new ones; ids are delivery sequences", async () => {
    const [a, b] = [agent("a"), agent("b")];
    for (const p of [1, 2, 3]) await send(a, b, p);
    const sse = await events(b);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    const replayed = [await sse.events.next(), await sse.events.next(), await sse.events.next()];
    expect(replayed.map((e) => [e.id, e.data.seq, e.data.payload])).toEqual([
      ["1", 1, 1],
      ["2", 2, 2],
      ["3", 3, 3],
    ]);
    const frame = replayed[0]?.data;
    expect(frame).toMatchObject({ from: a, to: b, threadId: expect.any(String) });
    expect(frame.context.recentMessages.length).toBeGreaterThan(0);
    await send(a, b, "live");
    const live = await sse.events.next();
    expect([live.id, live.data.payload]).toEqual(["4", "live"]);
    await sse.close();
  });

  it("resumes with Last-Event-ID (over ?after=) or ?after=, and sends heartbeats as comments", async () => {
    const [a, b] = [agent("a"), agent("b")];
    for (const p of [1, 2, 3, 4]) await send(a, b, p);
    const resumed = await events(b, { "last-event-id": "2" }, "?after=0");
    expect((await resumed.events.next()).id).toBe("3");
    expect((await resumed.events.next()).id).toBe("4");
    expect(await resumed.comments.nextMatching((c) => c === "heartbeat", "a heartbeat")).toBe(
      "heartbeat",
    );
    await send(a, b, 5);
    expect((await resumed.events.next()).id).toBe("5");
    expect(resumed.events.pending).toBe(0);
    await resumed.close();
    const after = await events(b, {}, "?after=4");
    expect((await after.events.next()).data.payload).toBe(5);
    await after.close();
    const bad = await events(b, { "last-event-id": "x" });
    expect(bad.status).toBe(400);
    await bad.ended;
  });

  it("no gap and no duplicate while many senders deliver concurrently", async () => {
    const b = agent("b");
    const total = 200;
    const early = await events(b);
    const burst = () =>
      Promise.all(Array.from({ length: total / 2 }, (_, i) => send(agent("s"), b, i)));
    const first = burst();
    // A second stream opens midway, with a cursor, while deliveries are being committed.
    const late = await events(b, {}, "?after=50");
    await Promise.all([first, burst()]);
    const seen: number[] = [];
    while (seen.length < total) seen.push(Number((await early.events.next()).id));
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const lateSeen: number[] = [];
    while (lateSeen.length < total - 50) lateSeen.push(Number((await late.events.next()).id));
    expect(lateSeen).toEqual(Array.from({ length: total - 50 }, (_, i) => i + 51));
    await Promise.all([early.close(), late.close()]);
  });

  it("bounds the push streams per agent (503), and frees the slot when one closes", async () => {
    const small = await startMailbox({ maxWatchersPerAgent: 2 });
    try {
      const path = "/mailbox/crowded/events";
      const one = await openSse(small.url, version, path);
      const two = await openSse(small.url, version, path);
      const three = await openSse(small.url, version, path);
      expect([one.status, two.status, three.status]).toEqual([200, 200, 503]);
      await three.ended;
      const typed = typedMailbox(small.url, "connect-2");
      try {
        const refused = watch(typed, "crowded");
        await expect(refused.done).rejects.toSatisfy(
          (e) => ConnectError.from(e).code === Code.ResourceExhausted,
        );
        await one.close();
        const again = await openSse(small.url, version, path);
        expect(again.status).toBe(200);
        await Promise.all([two.close(), again.close()]);
      } finally {
        typed.close();
      }
    } finally {
      await small.close();
    }
  });
});

describe.each<TypedTransportKind>(["grpc", "connect-1.1"])("Watch over %s", (kind) => {
  let mailbox: TestMailbox;
  let typed: TypedMailbox;
  let n = 0;
  const agent = (role: string) => `${role}-${++n}@watch-${kind}`;

  beforeAll(async () => {
    mailbox = await startMailbox({ sseHeartbeatMs: 25 });
    typed = typedMailbox(mailbox.url, kind);
  });
  afterAll(async () => {
    typed.close();
    await mailbox.close();
  });

  it("with nothing to replay, opens at once with a heartbeat (not at the first timed one)", async () => {
    const slow = await startMailbox({ sseHeartbeatMs: 60_000 });
    const client = typedMailbox(slow.url, kind);
    try {
      const [a, b] = [agent("a"), agent("b")];
      const w = watch(client, b);
      const first = await w.events.next("the opening heartbeat");
      expect(first.event.case === "heartbeat" && first.event.value.latestSeq).toBe(0n);
      await client.client.send({ sender: a, to: [b] });
      expect(await w.nextSeq()).toBe(1n);
      // After a replay that brought something, no opening heartbeat.
      const resumed = watch(client, b);
      expect((await resumed.events.next("the replay")).event.case).toBe("delivery");
      await Promise.all([w.stop(), resumed.stop()]);
    } finally {
      client.close();
      await slow.close();
    }
  });

  it("replays after the cursor then streams, resumes from a sequence, heartbeats when idle", async () => {
    const [a, b] = [agent("a"), agent("b")];
    for (let i = 0; i < 3; i++) await typed.client.send({ sender: a, to: [b] });
    const w = watch(typed, b);
    expect([await w.nextSeq(), await w.nextSeq(), await w.nextSeq()]).toEqual([1n, 2n, 3n]);
    const beat = await w.events.nextMatching((e) => e.event.case === "heartbeat", "a heartbeat");
    expect(beat.event.case === "heartbeat" && beat.event.value.latestSeq).toBe(3n);
    await typed.client.send({ sender: a, to: [b] });
    expect(await w.nextSeq()).toBe(4n);
    await w.stop();
    const resumed = watch(typed, b, 2n, true);
    const first = await resumed.events.nextMatching((e) => e.event.case === "frame", "a frame");
    expect(first.event.case === "frame" && first.event.value.seq).toBe(3n);
    expect(first.event.case === "frame" && first.event.value.context?.recentMessages.length).toBe(
      4,
    );
    expect(await resumed.nextSeq()).toBe(4n);
    await resumed.stop();
  });

  it("no gap and no duplicate while many senders deliver concurrently", async () => {
    const b = agent("b");
    const total = 200;
    const w = watch(typed, b);
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        typed.client.send({ sender: agent(`s${i}`), to: [b] }),
      ),
    );
    const seen: bigint[] = [];
    while (seen.length < total) seen.push(await w.nextSeq());
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => BigInt(i + 1)));
    await w.stop();
  });
});

describe("the server-wide stream bound", () => {
  it("refuses a stream over maxConcurrentStreams whoever asks (503), and frees the slot on close", async () => {
    const small = await startMailbox({ maxConcurrentStreams: 1 });
    try {
      const one = await openSse(small.url, "1.1", "/mailbox/x/events");
      const other = await openSse(small.url, "1.1", "/mailbox/y/events");
      expect([one.status, other.status]).toEqual([200, 503]);
      await Promise.all([other.ended, one.close()]);
      const again = await openSse(small.url, "2", "/mailbox/y/events");
      expect(again.status).toBe(200);
      await again.close();
    } finally {
      await small.close();
    }
  });
});

describe("draining", () => {
  it("close() ends open SSE and Watch streams, then resolves", async () => {
    const mailbox = await startMailbox();
    const sse1 = await openSse(mailbox.url, "1.1", "/mailbox/x/events");
    const sse2 = await openSse(mailbox.url, "2", "/mailbox/x/events");
    const typed = typedMailbox(mailbox.url, "grpc");
    const w = watch(typed, "x");
    await mailbox.http("1.1").post("/messages/send", { from: "y", to: "x" });
    expect(await w.nextSeq()).toBe(1n);
    expect((await sse1.events.next()).id).toBe("1");
    expect(mailbox.server.openStreams).toBe(3);
    await mailbox.close();
    await Promise.all([sse1.ended, sse2.ended, w.done]);
    expect(mailbox.server.openStreams).toBe(0);
    typed.close();
  });
});
