import { describe, expect, it } from "vitest";
import { EnvelopeSplitter, joinEnvelopes } from "../../src/session/frame-codec.js";

// Every way of cutting a stream of envelopes into chunks yields the same payloads.

function payloads(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    new Uint8Array((i * 7) % 40).map((_, j) => (i + j) & 0xff),
  );
}

function split(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const splitter = new EnvelopeSplitter(1 << 20);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...cuts, stream.byteLength]) {
    splitter.push(stream.subarray(from, to), (p) => out.push(Uint8Array.from(p)));
    from = to;
  }
  splitter.end();
  return out;
}

describe("EnvelopeSplitter", () => {
  const frames = payloads(12);
  const stream = joinEnvelopes(
    frames.map((payload) => ({ payload })),
    frames.reduce((n, p) => n + p.byteLength, 0),
  );

  it("yields every payload for one chunk, one-byte chunks, and every single cut", () => {
    expect(split(stream, [])).toEqual(frames);
    expect(
      split(
        stream,
        Array.from({ length: stream.byteLength - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(frames);
    for (let cut = 1; cut < stream.byteLength; cut++) expect(split(stream, [cut])).toEqual(frames);
  });

  it("yields every payload for many random cuttings", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => 1 + Math.floor(random() * (stream.byteLength - 1)),
      );
      expect(
        split(
          stream,
          [...new Set(cuts)].sort((a, b) => a - b),
        ),
      ).toEqual(frames);
    }
  });

  it("fails on a stream that ends inside a header or inside a payload", () => {
    const s1 = new EnvelopeSplitter(100);
    s1.push(stream.subarray(0, 3), () => {});
    expect(() => s1.end()).toThrow(/ended inside a frame \(3 bytes/);
    const s2 = new EnvelopeSplitter(100);
    s2.push(stream.subarray(0, 5 + (frames[0]?.byteLength ?? 0) + 6), () => {});
    expect(() => s2.end()).toThrow(/ended inside a frame/);
  });

  it("rejects a straddling header that announces an oversized frame", () => {
    const s = new EnvelopeSplitter(10);
    s.push(new Uint8Array([0, 0, 0]), () => {});
    expect(() => s.push(new Uint8Array([0, 11]), () => {})).toThrow(/over the limit of 10/);
  });
});
