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
 * Splits a stream of byte chunks into gRPC envelope payloads. Rejects
 * compressed envelopes (none were negotiated) and envelopes over `maxFrameBytes`
 * with an AgentwireError of reason "malformed_frame".
 */
export class EnvelopeSplitter {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds a chunk and calls `onPayload` for every envelope it completes. */
  push(chunk: Uint8Array, onPayload: (payload: Uint8Array) => void): void {
    let data = chunk;
    if (this.buffer.byteLength > 0) {
      const joined = new Uint8Array(this.buffer.byteLength + chunk.byteLength);
      joined.set(this.buffer, 0);
      joined.set(chunk, this.buffer.byteLength);
      data = joined;
    }
    let at = 0;
    while (data.byteLength - at >= envelopeHeaderBytes) {
      const flags = data[at] as number;
      const len =
        ((data[at + 1] as number) * 2 ** 24 +
          ((data[at + 2] as number) << 16) +
          ((data[at + 3] as number) << 8) +
          (data[at + 4] as number)) >>>
        0;
      if ((flags & 0b1) !== 0) {
        throw malformed("a compressed frame arrived, but no compression was negotiated");
      }
      if (len > this.maxFrameBytes) {
        throw new AgentwireError(
          "malformed_frame",
          `the sidecar sent a frame of ${len} bytes, over the limit of ${this.maxFrameBytes}`,
          Code.ResourceExhausted,
        );
      }
      if (data.byteLength - at - envelopeHeaderBytes < len) break;
      const start = at + envelopeHeaderBytes;
      onPayload(data.subarray(start, start + len));
      at = start + len;
    }
    this.buffer = at === data.byteLength ? new Uint8Array(0) : data.slice(at);
  }

  /** Throws when the stream ended inside an envelope. */
  end(): void {
    if (this.buffer.byteLength > 0) {
      throw malformed(
        `the stream ended inside a frame (${this.buffer.byteLength} bytes left over)`,
      );
    }
  }
}

function malformed(message: string): AgentwireError {
  return new AgentwireError("malformed_frame", message, Code.Internal);
}
