import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../client/errors.js";

/** Bytes of the gRPC length-prefixed envelope header: one flag byte, four length bytes. */
export const envelopeHeaderBytes = 5;

/** An encoded frame payload waiting to be enveloped; only `payload` is read here. */
export interface EnvelopePayload {
  /** The protobuf bytes of one message. */
  readonly payload: Uint8Array;
}

/**
 * Joins the payloads of `frames[start..end)` into one buffer of gRPC envelopes,
 * so a batch of frames costs one write. `totalBytes` is the sum of the payload
 * lengths (the caller already keeps it).
 */
export function joinEnvelopes(frames: readonly EnvelopePayload[], totalBytes: number): Uint8Array {
  const out = Buffer.allocUnsafe(totalBytes + envelopeHeaderBytes * frames.length);
  let at = 0;
  for (const frame of frames) {
    const len = frame.payload.byteLength;
    out[at] = 0;
    out.writeUInt32BE(len, at + 1);
    out.set(frame.payload, at + envelopeHeaderBytes);
    at += envelopeHeaderBytes + len;
  }
  return out;
}

/**
 * Splits a stream of byte chunks into gRPC envelope payloads. Payloads that
 * lie inside one chunk are handed out as views, without a copy; only an
 * envelope that straddles chunks is assembled, into one buffer of its exact
 * size. Rejects compressed envelopes (none were negotiated) and envelopes
 * over `maxFrameBytes` with an AgentwireError of reason "malformed_frame".
 */
export class EnvelopeSplitter {
  /** Header bytes of a straddling envelope while its header is incomplete (allocated on first need). */
  private header: Uint8Array | undefined;
  private headerFilled = 0;
  /** A straddling envelope's payload, allocated once its length is known. */
  private partial: Uint8Array | undefined;
  private partialFilled = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds a chunk and calls `onPayload` for every envelope it completes. */
  push(chunk: Uint8Array, onPayload: (payload: Uint8Array) => void): void {
    let at = this.completeStraddling(chunk, onPayload);
    while (chunk.byteLength - at >= envelopeHeaderBytes) {
      const len = this.readHeader(chunk, at);
      const start = at + envelopeHeaderBytes;
      if (chunk.byteLength - start < len) break;
      onPayload(chunk.subarray(start, start + len));
      at = start + len;
    }
    if (at < chunk.byteLength) this.keepStraddling(chunk, at);
  }

  /** Throws when the stream ended inside an envelope. */
  end(): void {
    const left = this.headerFilled + this.partialFilled;
    if (left > 0) {
      throw malformed(`the stream ended inside a frame (${left} bytes left over)`);
    }
  }

  /** Finishes an envelope begun in earlier chunks; returns where the rest of `chunk` starts. */
  private completeStraddling(chunk: Uint8Array, onPayload: (payload: Uint8Array) => void): number {
    if (this.headerFilled === 0) return 0;
    let at = 0;
    if (this.partial === undefined) {
      const header = this.header as Uint8Array;
      const take = Math.min(envelopeHeaderBytes - this.headerFilled, chunk.byteLength);
      header.set(chunk.subarray(0, take), this.headerFilled);
      this.headerFilled += take;
      at = take;
      if (this.headerFilled < envelopeHeaderBytes) return at;
      this.partial = new Uint8Array(this.readHeader(header, 0));
      this.partialFilled = 0;
    }
    const partial = this.partial;
    const take = Math.min(partial.byteLength - this.partialFilled, chunk.byteLength - at);
    partial.set(chunk.subarray(at, at + take), this.partialFilled);
    this.partialFilled += take;
    at += take;
    if (this.partialFilled === partial.byteLength) {
      this.headerFilled = 0;
      this.partial = undefined;
      this.partialFilled = 0;
      onPayload(partial);
    }
    return at;
  }

  /** Keeps the start of an envelope that continues in the next chunk. */
  private keepStraddling(chunk: Uint8Array, at: number): void {
    const rest = chunk.byteLength - at;
    if (rest < envelopeHeaderBytes) {
      this.header ??= new Uint8Array(envelopeHeaderBytes);
      this.header.set(chunk.subarray(at), 0);
      this.headerFilled = rest;
      return;
    }
    const len = this.readHeader(chunk, at);
    this.headerFilled = envelopeHeaderBytes;
    this.partial = new Uint8Array(len);
    this.partial.set(chunk.subarray(at + envelopeHeaderBytes), 0);
    this.partialFilled = rest - envelopeHeaderBytes;
  }

  /** Validates the envelope header at `at` and returns its payload length. */
  private readHeader(data: Uint8Array, at: number): number {
    const flags = data[at] as number;
    if ((flags & 0b1) !== 0) {
      throw malformed("a compressed frame arrived, but no compression was negotiated");
    }
    const len =
      (data[at + 1] as number) * 2 ** 24 +
      (((data[at + 2] as number) << 16) |
        ((data[at + 3] as number) << 8) |
        (data[at + 4] as number));
    if (len > this.maxFrameBytes) {
      throw new AgentwireError(
        "malformed_frame",
        `the sidecar sent a frame of ${len} bytes, over the limit of ${this.maxFrameBytes}`,
        Code.ResourceExhausted,
      );
    }
    return len;
  }
}

function malformed(message: string): AgentwireError {
  return new AgentwireError("malformed_frame", message, Code.Internal);
}
