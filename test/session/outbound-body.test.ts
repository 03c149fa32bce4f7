import { describe, expect, it } from "vitest";
import { OutboundBody } from "../../src/session/outbound-body.js";
import { type QueuedWrite, WriteQueue } from "../../src/session/write-queue.js";

// Unit tests of the write path's batching logic, in memory: the network tests
// prove delivery; these prove how many writes the frames cost.

function write(bytes: number[], log: string[], name: string): QueuedWrite {
  return {
    payload: new Uint8Array(bytes),
    turnKey: undefined,
    cancelled: false,
    resolve: () => log.push(`${name} resolved`),
    reject: () => log.push(`${name} rejected`),
  };
}

function body(queue: WriteQueue, handshake: number[][] = [[9]], maxBatchBytes = 1 << 20) {
  let draining = false;
  const events: string[] = [];
  const b = new OutboundBody(
    { queue, maxBatchBytes, draining: () => draining, handshakeWritten: () => events.push("open") },
    handshake.map((h) => ({ payload: new Uint8Array(h) })),
  );
  return { b, events, drain: () => (draining = true) };
}

describe("the outbound body", () => {
  it("writes the handshake and everything queued before it as one write", async () => {
    const log: string[] = [];
    const queue = new WriteQueue(100, 1 << 20);
    queue.push(write([1], log, "a"));
    queue.push(write([2, 2], log, "b"));
    const { b, events } = body(queue);
    const first = await b.next();
    expect(Array.from(first.value as Uint8Array)).toEqual([
      0, 0, 0, 0, 1, 9, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 2,
    ]);
    expect(events).toEqual(["open"]);
    expect(log).toEqual(["a resolved", "b resolved"]);
    expect(queue.length).toBe(0);
  });

  it("hands a lone frame to a waiting pull at once, and batches frames queued while a write is in progress", async () => {
    const log: string[] = [];
    const queue = new WriteQueue(100, 1 << 20);
    const { b } = body(queue);
    await b.next();
    const pending = b.next();
    queue.push(write([7], log, "lone"));
    b.wake();
    expect(Array.from((await pending).value as Uint8Array)).toEqual([0, 0, 0, 0, 1, 7]);
    for (let i = 0; i < 10; i++) queue.push(write([i], log, `f${i}`));
    const batch = await b.next();
    expect((batch.value as Uint8Array).byteLength).toBe(10 * 6);
    expect(log).toHaveLength(11);
  });

  it("hands a lone, already enveloped frame over as is, and joins it like any other in a batch", async () => {
    const log: string[] = [];
    const queue = new WriteQueue(100, 1 << 20);
    const { b } = body(queue);
    await b.next();
    const envelope = new Uint8Array([0, 0, 0, 0, 2, 5, 6]);
    queue.push({ ...write([5, 6], log, "lone"), envelope });
    expect((await b.next()).value).toBe(envelope);
    queue.push({ ...write([5, 6], log, "first"), envelope });
    queue.push(write([7], log, "second"));
    expect(Array.from((await b.next()).value as Uint8Array)).toEqual([
      0, 0, 0, 0, 2, 5, 6, 0, 0, 0, 0, 1, 7,
    ]);
    expect(log).toEqual(["lone resolved", "first resolved", "second resolved"]);
  });

  it("splits a backlog at maxBatchBytes but always writes at least one frame", async () => {
    const log: string[] = [];
    const queue = new WriteQueue(100, 1 << 20);
    const { b } = body(queue, [], 4);
    for (let i = 0; i < 5; i++) queue.push(write([i, i, i], log, `f${i}`));
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) sizes.push(((await b.next()).value as Uint8Array).byteLength);
    expect(sizes).toEqual([8, 8, 8, 8, 8]);
  });

  it("skips withdrawn frames and ends only when draining with an empty queue", async () => {
    const log: string[] = [];
    const queue = new WriteQueue(100, 1 << 20);
    const { b, drain } = body(queue, []);
    const withdrawn = write([1], log, "w");
    withdrawn.cancelled = true;
    queue.push(withdrawn);
    queue.push(write([2], log, "kept"));
    expect(Array.from((await b.next()).value as Uint8Array)).toEqual([0, 0, 0, 0, 1, 2]);
    const pending = b.next();
    drain();
    b.wake();
    expect((await pending).done).toBe(true);
    expect(log).toEqual(["kept resolved"]);
  });
});

describe("the write queue", () => {
  it("behaves like a FIFO array across ring growth, and keeps count and bytes", () => {
    const queue = new WriteQueue(10_000, 1 << 30);
    const model: number[] = [];
    const log: string[] = [];
    for (let i = 0; i < 1000; i++) {
      queue.push(write([i & 0xff, i >> 8], log, `${i}`));
      model.push(i);
      if (i % 3 === 0) {
        const w = queue.shift();
        expect(w && (w.payload[0] as number) + ((w.payload[1] as number) << 8)).toBe(model.shift());
      }
    }
    expect(queue.length).toBe(model.length);
    expect(queue.bytes).toBe(model.length * 2);
    const value = (w: QueuedWrite) => (w.payload[0] as number) + ((w.payload[1] as number) << 8);
    const removed = queue.removeWhere((w) => value(w) % 2 === 0).map(value);
    expect(removed).toEqual(model.filter((v) => v % 2 === 0));
    const rest: number[] = [];
    for (let w = queue.shift(); w; w = queue.shift()) rest.push(value(w));
    expect(rest).toEqual(model.filter((v) => v % 2 === 1));
    expect(queue.bytes).toBe(0);
  });

  it("fits a frame only under both limits", () => {
    const queue = new WriteQueue(2, 10);
    expect(queue.fits(10)).toBe(true);
    expect(queue.fits(11)).toBe(false);
    queue.push(write([1, 2, 3, 4, 5, 6], [], "a"));
    expect(queue.fits(5)).toBe(false);
    expect(queue.fits(4)).toBe(true);
    queue.push(write([1], [], "b"));
    expect(queue.fits(0)).toBe(false);
  });
});
