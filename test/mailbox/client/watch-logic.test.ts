import { Code, type Interceptor } from "@connectrpc/connect";
import {
  AgentwireError,
  createMailbox,
  type MailDelivery,
  type WatchStateChange,
} from "agentwire/mailbox";
import { describe, expect, it } from "vitest";
import { Inbox } from "../../helpers/step.js";
import { createScriptedWatch } from "./support/scripted-watch.js";

// The watch's state machine over an in-memory transport with a scripted
// Watch (a unit test of its logic; the real server is in watch-*.test.ts).

function setup(
  extra: Parameters<typeof createMailbox>[0] extends infer O ? Partial<O> : never = {},
) {
  const { transport, streams } = createScriptedWatch();
  const mailbox = createMailbox({
    agentId: "me@t",
    transport,
    initialDelayMs: 1,
    maxDelayMs: 2,
    ...extra,
  });
  return { mailbox, streams };
}

/** Consumes a watch into an inbox, recording how the iteration ended. */
function consume<T>(iterable: AsyncIterable<T>) {
  const items = new Inbox<T>();
  const done = (async () => {
    for await (const item of iterable) items.push(item);
  })().then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { items, done };
}

describe("watch (logic, scripted server)", () => {
  it("resumes after a failed stream from the last yielded sequence and yields a repeat only once", async () => {
    const { mailbox, streams } = setup();
    const ac = new AbortController();
    const watch = mailbox.watch({ after: 0, signal: ac.signal });
    const states: WatchStateChange[] = [];
    watch.on("state", (c) => states.push(c));
    const { items, done } = consume(watch);
    const first = await streams.next("the first stream");
    expect(first.request.afterSeq).toBe(0n);
    expect(first.request.agentId).toBe("me@t");
    expect(first.request.includeContext).toBe(true);
    first.deliver(1);
    first.deliver(2);
    expect((await items.next("delivery 1")).seq).toBe(1n);
    expect((await items.next("delivery 2")).seq).toBe(2n);
    first.fail(Code.Unavailable, "server restarting");
    const second = await streams.next("the reconnected stream");
    expect(second.request.afterSeq).toBe(2n);
    second.deliver(2); // a repeat: not yielded again
    second.deliver(3);
    const third = await items.next("delivery 3");
    expect(third.seq).toBe(3n);
    expect(third.message.payload).toEqual({ n: 3 });
    expect(watch.lastSeq).toBe(3n);
    ac.abort();
    expect(await done).toEqual({ ok: true });
    expect(items.all.map((d) => d.seq)).toEqual([1n, 2n, 3n]);
    const path = states.map((s) => s.state);
    expect(path).toEqual(["open", "reconnecting", "connecting", "open", "closed"]);
    const reconnecting = states[1] as WatchStateChange;
    expect(reconnecting.error?.code).toBe(Code.Unavailable);
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(0);
    expect(watch.state).toBe("closed");
  });

  it("a stream refused with reason unavailable (here by a client-side limiter) is retried after a backoff", async () => {
    let refused = 0;
    const limiter: Interceptor = (next) => async (req) => {
      if (req.method.name === "Watch" && refused++ === 0)
        throw new AgentwireError("unavailable", "watch: too many streams open", Code.Unavailable);
      return next(req);
    };
    const { transport, streams } = createScriptedWatch([limiter]);
    const mailbox = createMailbox({ agentId: "me@t", transport, initialDelayMs: 1, maxDelayMs: 2 });
    const ac = new AbortController();
    const watch = mailbox.watch({ signal: ac.signal });
    const reconnecting = new Inbox<WatchStateChange>();
    watch.on("state", (c) => c.state === "reconnecting" && reconnecting.push(c));
    const { items, done } = consume(watch);
    const change = await reconnecting.next("the reconnecting state");
    expect({ reason: change.error?.reason, code: change.error?.code }).toEqual({
      reason: "unavailable",
      code: Code.Unavailable,
    });
    (await streams.next("the stream after the backoff")).deliver(1);
    expect((await items.next("delivery 1")).seq).toBe(1n);
    ac.abort();
    expect(await done).toEqual({ ok: true });
    expect(refused).toBe(2);
  });

  it("a refusal (forbidden) is not retried: the iteration throws it and the state closes with it", async () => {
    const { mailbox, streams } = setup();
    const watch = mailbox.watch();
    const closed = new Inbox<WatchStateChange>();
    watch.on("state", (c) => c.state === "closed" && closed.push(c));
    const { done } = consume(watch);
    (await streams.next("the stream")).fail(Code.PermissionDenied, "you are not me@t");
    const end = await done;
    expect(end.ok).toBe(false);
    const error = (end as { error: AgentwireError }).error;
    expect(error).toBeInstanceOf(AgentwireError);
    expect(error.reason).toBe("forbidden");
    expect((await closed.next("closed")).error?.reason).toBe("forbidden");
    expect(streams.pending).toBe(0);
  });

  it("gives up after reconnectAttempts consecutive failures", async () => {
    const { mailbox, streams } = setup({ reconnectAttempts: 3 });
    const { done } = consume(mailbox.watch());
    for (let i = 0; i < 3; i++) (await streams.next(`stream ${i}`)).fail(Code.Unavailable);
    const end = await done;
    expect(end.ok).toBe(false);
    expect((end as { error: AgentwireError }).error.reason).toBe("gave_up");
  });

  it("an invalid payload without an `invalid` listener throws a typed error and counts as consumed", async () => {
    const validate = (p: unknown) => {
      if (typeof p !== "object" || p === null || typeof (p as { n?: unknown }).n !== "number") {
        throw new Error("n must be a number");
      }
      return p as { n: number };
    };
    const { mailbox, streams } = setup({ validate });
    const watch = mailbox.watch();
    const { items, done } = consume(watch);
    const s = await streams.next("the stream");
    s.deliver(1);
    s.deliver(2, { n: "two" });
    expect(
      ((await items.next("delivery 1")) as MailDelivery<{ n: number }>).message.payload.n,
    ).toBe(1);
    const end = await done;
    const error = (end as { error: AgentwireError }).error;
    expect(error.reason).toBe("invalid_argument");
    expect(error.message).toContain(
      "message m2 from sender@t failed validation: n must be a number",
    );
    expect(watch.lastSeq).toBe(2n);
    await s.cancelled;
  });

  it("with an `invalid` listener the watch reports the bad delivery and goes on", async () => {
    const validate = (p: unknown) => {
      if (typeof (p as { n?: unknown })?.n !== "number") throw new Error("n must be a number");
      return p as { n: number };
    };
    const { mailbox, streams } = setup({ validate });
    const ac = new AbortController();
    const watch = mailbox.watch({ signal: ac.signal });
    const invalid = new Inbox<{ seq: bigint; messageId: string; reason: string }>();
    watch.on("invalid", (i) =>
      invalid.push({ seq: i.seq, messageId: i.messageId, reason: i.error.reason }),
    );
    const { items, done } = consume(watch);
    const s = await streams.next("the stream");
    s.deliver(1, "not an object");
    s.deliver(2);
    expect(await invalid.next("the invalid report")).toEqual({
      seq: 1n,
      messageId: "m1",
      reason: "invalid_argument",
    });
    expect(((await items.next("delivery 2")) as MailDelivery<{ n: number }>).seq).toBe(2n);
    ac.abort();
    expect(await done).toEqual({ ok: true });
  });

  it("abort before the first iteration opens no stream and ends cleanly", async () => {
    const { mailbox, streams } = setup();
    const ac = new AbortController();
    ac.abort();
    const watch = mailbox.watch({ signal: ac.signal });
    const { done } = consume(watch);
    expect(await done).toEqual({ ok: true });
    expect(watch.state).toBe("closed");
    expect(streams.all).toHaveLength(0);
  });

  it("abort while open, during backoff, and break each end the iteration cleanly and cancel the stream", async () => {
    // While open: waiting for the next delivery.
    {
      const { mailbox, streams } = setup();
      const ac = new AbortController();
      const { items, done } = consume(mailbox.watch({ signal: ac.signal }));
      const s = await streams.next("the stream");
      s.deliver(1);
      await items.next("delivery 1");
      ac.abort();
      expect(await done).toEqual({ ok: true });
      await s.cancelled;
    }
    // During backoff: a long delay, aborted while waiting.
    {
      const { mailbox, streams } = setup({ initialDelayMs: 60_000, maxDelayMs: 60_000 });
      const ac = new AbortController();
      const watch = mailbox.watch({ signal: ac.signal });
      const reconnecting = new Inbox<WatchStateChange>();
      watch.on("state", (c) => c.state === "reconnecting" && reconnecting.push(c));
      const { done } = consume(watch);
      (await streams.next("the stream")).fail(Code.Unavailable);
      await reconnecting.next("the reconnecting state");
      ac.abort();
      expect(await done).toEqual({ ok: true });
      expect(streams.all).toHaveLength(1);
    }
    // break out of for await.
    {
      const { mailbox, streams } = setup();
      const watch = mailbox.watch();
      const consumer = (async () => {
        for await (const d of watch) if (d.seq === 2n) break;
      })();
      const s = await streams.next("the stream");
      s.deliver(1);
      s.deliver(2);
      await consumer;
      await s.cancelled;
      expect(watch.state).toBe("closed");
      expect(watch.lastSeq).toBe(2n);
    }
  });

  it("a stream silent past idleTimeoutMs is reopened after the last sequence; heartbeats keep it open", async () => {
    const { mailbox, streams } = setup({ idleTimeoutMs: 150 });
    const ac = new AbortController();
    const watch = mailbox.watch({ signal: ac.signal });
    const errors = new Inbox<AgentwireError>();
    watch.on("error", (e) => errors.push(e));
    const { items, done } = consume(watch);
    const s = await streams.next("the stream");
    s.deliver(1);
    await items.next("delivery 1");
    const error = await errors.next("the idle timeout", 5000);
    expect(error.message).toContain("nothing arrived (not even a heartbeat) for 150 ms");
    await s.cancelled;
    const again = await streams.next("the reopened stream");
    expect(again.request.afterSeq).toBe(1n);
    ac.abort();
    expect(await done).toEqual({ ok: true });
  });

  it("closing the client ends its watches cleanly instead of reconnecting", async () => {
    const { mailbox, streams } = setup();
    const watch = mailbox.watch();
    const { items, done } = consume(watch);
    const s = await streams.next("the stream");
    s.deliver(1);
    await items.next("delivery 1");
    mailbox.close();
    expect(await done).toEqual({ ok: true });
    await s.cancelled;
    expect(streams.all).toHaveLength(1);
    const unused = mailbox.watch();
    expect(unused.state).toBe("connecting");
    unused.close();
    expect(unused.state).toBe("closed");
  });

  it('after "latest": asks the server for its newest sequence, opens on that heartbeat, and every reconnect resumes after it', async () => {
    const { mailbox, streams } = setup();
    const ac = new AbortController();
    const watch = mailbox.watch({ after: "latest", signal: ac.signal });
    const states: WatchStateChange[] = [];
    watch.on("state", (c) => states.push(c));
    const { items, done } = consume(watch);
    const first = await streams.next("the first stream");
    expect({ fromLatest: first.request.fromLatest, afterSeq: first.request.afterSeq }).toEqual({
      fromLatest: true,
      afterSeq: 0n,
    });
    expect({ state: watch.state, lastSeq: watch.lastSeq }).toEqual({
      state: "connecting",
      lastSeq: 0n,
    });
    // A stream that broke before the newest sequence arrived asks for it again.
    first.fail(Code.Unavailable, "restarting");
    const second = await streams.next("the second stream");
    expect(second.request.fromLatest).toBe(true);
    expect(states.map((c) => c.state)).toEqual(["reconnecting", "connecting"]);
    second.heartbeat(7);
    second.fail(Code.Unavailable, "restarting again");
    // Once known, the newest sequence is where every later stream resumes.
    const third = await streams.next("the third stream");
    expect({ fromLatest: third.request.fromLatest, afterSeq: third.request.afterSeq }).toEqual({
      fromLatest: false,
      afterSeq: 7n,
    });
    expect(watch.lastSeq).toBe(7n);
    third.deliver(8);
    expect((await items.next("delivery 8")).seq).toBe(8n);
    expect(states.map((c) => c.state)).toEqual([
      "reconnecting",
      "connecting",
      "open",
      "reconnecting",
      "connecting",
      "open",
    ]);
    ac.abort();
    expect(await done).toEqual({ ok: true });
  });

  it('after "latest" on a server that predates it (a delivery first) fails with reason unsupported, not old mail', async () => {
    const { mailbox, streams } = setup();
    const watch = mailbox.watch({ after: "latest" });
    const closed = new Inbox<WatchStateChange>();
    watch.on("state", (c) => c.state === "closed" && closed.push(c));
    const { items, done } = consume(watch);
    const s = await streams.next("the stream");
    s.deliver(1);
    expect((await closed.next("closed")).error?.reason).toBe("unsupported");
    const end = await done;
    expect(end.ok).toBe(false);
    const error = (end as { error: AgentwireError }).error;
    expect(error).toBeInstanceOf(AgentwireError);
    expect({ reason: error.reason, code: error.code }).toEqual({
      reason: "unsupported",
      code: Code.Unimplemented,
    });
    expect(error.rawMessage).toMatch(/does not support after: "latest"/);
    expect(items.all).toEqual([]);
    expect(streams.all).toHaveLength(1);
  });

  it("a watch is iterated once, and bad options name the option", () => {
    const { mailbox } = setup();
    const watch = mailbox.watch();
    watch[Symbol.asyncIterator]();
    expect(() => watch[Symbol.asyncIterator]()).toThrow(/iterated once/);
    watch.close();
    expect(() => mailbox.watch({ after: -1 })).toThrow(/watch: after must be a delivery sequence/);
    expect(() => mailbox.watch({ after: 1.5 })).toThrow(AgentwireError);
    expect(() => mailbox.watch({ after: "newest" as "latest" })).toThrow(
      'watch: after must be a delivery sequence (a bigint or safe integer of at least 0) or "latest", got "newest"',
    );
  });
});
