/** One frame waiting to be handed to the transport. */
export interface QueuedWrite {
  /** The frame's protobuf bytes, encoded once when it was sent. */
  readonly payload: Uint8Array;
  /** The whole envelope (header and payload) when the encoder made one: a lone frame is written as is. */
  readonly envelope?: Uint8Array | undefined;
  /** The turn the frame belongs to (`conversationId \0 responseId`), for reply frames. */
  readonly turnKey: string | undefined;
  /** Settles the writer's promise: handed to the transport. */
  resolve(): void;
  /** Settles the writer's promise: not written, and why. */
  reject(error: Error): void;
  /** Set when the writer gave up (its signal aborted); the frame is then skipped. */
  cancelled: boolean;
}

/**
 * A bounded FIFO of frames, limited by count and by payload bytes. A ring
 * buffer that grows by doubling: push and shift are O(1); only the rare
 * `removeWhere` (after a stream broke) walks the queue.
 */
export class WriteQueue {
  private ring: (QueuedWrite | undefined)[] = new Array(4);
  private head = 0;
  private count = 0;
  private byteCount = 0;

  constructor(
    /** The most frames the queue holds. */
    readonly maxFrames: number,
    /** The most payload bytes the queue holds. */
    readonly maxBytes: number,
  ) {}

  /** The number of queued frames. */
  get length(): number {
    return this.count;
  }

  /** The payload bytes of the queued frames. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Whether a frame of `payloadBytes` fits under both limits. */
  fits(payloadBytes: number): boolean {
    return this.count < this.maxFrames && this.byteCount + payloadBytes <= this.maxBytes;
  }

  /** Appends a frame; the caller checked `fits` first. */
  push(write: QueuedWrite): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = write;
    this.count++;
    this.byteCount += write.payload.byteLength;
  }

  /** Removes and returns the oldest frame. */
  shift(): QueuedWrite | undefined {
    if (this.count === 0) return undefined;
    const write = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    this.byteCount -= (write as QueuedWrite).payload.byteLength;
    return write;
  }

  /** The oldest frame, left in place. */
  peek(): QueuedWrite | undefined {
    return this.count === 0 ? undefined : this.ring[this.head];
  }

  /** Removes every frame for which `predicate` holds, keeping the order of the rest; returns the removed. */
  removeWhere(predicate: (write: QueuedWrite) => boolean): QueuedWrite[] {
    const removed: QueuedWrite[] = [];
    const kept: QueuedWrite[] = [];
    for (let w = this.shift(); w !== undefined; w = this.shift()) {
      (predicate(w) ? removed : kept).push(w);
    }
    for (const w of kept) this.push(w);
    return removed;
  }

  private grow(): void {
    const bigger: (QueuedWrite | undefined)[] = new Array(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) {
      bigger[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    }
    this.ring = bigger;
    this.head = 0;
  }
}
