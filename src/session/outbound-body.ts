import { type EnvelopePayload, joinEnvelopes } from "./frame-codec.js";
import type { QueuedWrite, WriteQueue } from "./write-queue.js";

/** What the request body of one stream reads from: the session's queue and its mode. */
export interface OutboundSource {
  /** The session's write queue. */
  readonly queue: WriteQueue;
  /** The most bytes handed over in one write. */
  readonly maxBatchBytes: number;
  /** True once close() asked to drain: the body ends (half-closes) when the queue is empty. */
  draining(): boolean;
  /** Called when the handshake was handed to the transport. */
  handshakeWritten(): void;
}

/**
 * The request body of one conversation stream, pulled by the HTTP/2 client one
 * write at a time. The first write is the handshake (config, and the legacy
 * registration when asked) together with every queued frame; after that, each
 * pull takes every frame queued since the last write, so frames written in
 * the same event-loop turn, or while a write was in progress, cost one write.
 * A lone frame is handed over at once: the pull is already waiting for it.
 */
export class OutboundBody implements AsyncIterableIterator<Uint8Array> {
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private handshake: EnvelopePayload[] | undefined;
  private finished = false;

  constructor(
    private readonly source: OutboundSource,
    handshake: EnvelopePayload[],
  ) {
    this.handshake = handshake;
  }

  /**
   * Set by a writer that pushes instead of pulling (the direct HTTP/2
   * stream): called when `take` may have something new.
   */
  onReady: (() => void) | undefined;

  /** Tells a waiting pull (or the pushing writer) that frames were queued, or that draining began. */
  wake(): void {
    if (this.onReady !== undefined) {
      this.onReady();
      return;
    }
    const waiter = this.waiter;
    if (waiter === undefined) return;
    const result = this.take();
    if (result === undefined) return;
    this.waiter = undefined;
    waiter(result);
  }

  /** Ends the body: a waiting pull, and every later one, sees the end. */
  finish(): void {
    this.finished = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const result = this.take();
    if (result !== undefined) return Promise.resolve(result);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<Uint8Array>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  /** The next write (done: the body ended), or undefined when there is nothing to write yet. */
  take(): IteratorResult<Uint8Array> | undefined {
    if (this.finished) return { value: undefined, done: true };
    const { queue, maxBatchBytes } = this.source;
    // The common case of a paced token stream: one frame, already enveloped.
    if (this.handshake === undefined && queue.length === 1) {
      const lone = queue.peek() as QueuedWrite;
      if (lone.envelope !== undefined && !lone.cancelled) {
        queue.shift();
        lone.resolve();
        return { value: lone.envelope, done: false };
      }
    }
    const batch: EnvelopePayload[] = this.handshake ?? [];
    let bytes = 0;
    for (const h of batch) bytes += h.payload.byteLength;
    const writes: QueuedWrite[] = [];
    for (let w = queue.peek(); w !== undefined; w = queue.peek()) {
      if (writes.length > 0 && bytes + w.payload.byteLength > maxBatchBytes) break;
      queue.shift();
      if (w.cancelled) continue;
      writes.push(w);
      batch.push(w);
      bytes += w.payload.byteLength;
    }
    if (batch.length === 0) {
      if (this.source.draining()) {
        this.finished = true;
        return { value: undefined, done: true };
      }
      return undefined;
    }
    const value = joinEnvelopes(batch, bytes);
    if (this.handshake !== undefined) {
      this.handshake = undefined;
      this.source.handshakeWritten();
    }
    for (const w of writes) w.resolve();
    return { value, done: false };
  }
}
