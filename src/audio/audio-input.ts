import { abortedError } from "../client/errors.js";
import type { AudioChunk, AudioStreamConfig } from "../schema/index.js";
import { AudioStreamError } from "./audio-errors.js";
import { type AudioFiletype, audioEncodingToFiletype } from "./audio-filetype.js";

/**
 * The lifecycle of an audio input: `open` (chunks are arriving), `done` (the
 * chunk with `done = true` arrived; the stream closed), `failed` (the stream
 * errored, see AudioStreamError), `cancelled` (the reader cancelled it).
 */
export type AudioInputState = "open" | "done" | "failed" | "cancelled";

/** Options of `AudioInput.collect`. */
export interface CollectOptions {
  /** Stops collecting and cancels the stream; the promise rejects with reason "aborted". */
  signal?: AbortSignal;
}

/**
 * One audio stream of a conversation, from its `audio_config` to the chunk
 * with `done = true`. Its `stream` exists from the config on and buffers every
 * chunk until read, so a reader that starts late loses nothing.
 */
export interface AudioInput {
  /** The conversation the audio belongs to (the envelope's `conversation_id`). */
  readonly conversationId: string;
  /** The envelope's `response_id` of the `audio_config` frame (may be empty). */
  readonly responseId: string;
  /** The stream's encoding, sample rate, channels, language and source. */
  readonly config: AudioStreamConfig;
  /** The file type the bytes are labelled with for upload, or undefined for an unknown encoding. */
  readonly filetype: AudioFiletype | undefined;
  /** The audio bytes in order; closes after the `done` chunk, errors with an AudioStreamError. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Where the input is in its lifecycle. */
  readonly state: AudioInputState;
  /** Audio bytes received so far, read or not. */
  readonly receivedBytes: number;
  /**
   * Reads the whole stream and returns its bytes joined; rejects with the
   * stream's error. Use either this or `stream`, not both (the stream can be
   * read once). The total is bounded by `maxBufferedAudioBytes` too.
   */
  collect(options?: CollectOptions): Promise<Uint8Array>;
}

/** The demux's side of an AudioInput: what feeds and ends its stream. */
export class AudioInputSink implements AudioInput {
  readonly filetype: AudioFiletype | undefined;
  readonly stream: ReadableStream<Uint8Array>;
  state: AudioInputState = "open";
  receivedBytes = 0;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private nextSequence = 1n;

  constructor(
    readonly conversationId: string,
    readonly responseId: string,
    readonly config: AudioStreamConfig,
    private readonly maxBufferedBytes: number,
    private readonly checkSequence: boolean,
  ) {
    this.filetype = audioEncodingToFiletype(config.encoding);
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => {
          if (this.state === "open") this.state = "cancelled";
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: maxBufferedBytes }),
    );
  }

  /** Feeds one chunk; returns true when it was the last one (done, or the stream failed). */
  push(chunk: AudioChunk): boolean {
    if (this.checkSequence && chunk.sequence !== this.nextSequence) {
      this.fail(
        new AudioStreamError(
          "sequence_gap",
          this.conversationId,
          `audio of conversation ${this.conversationId}: expected chunk ${this.nextSequence}, got ${chunk.sequence}; the audio is incomplete`,
        ),
      );
      return true;
    }
    this.nextSequence++;
    this.receivedBytes += chunk.data.byteLength;
    if (this.state === "open" && chunk.data.byteLength > 0) {
      const room = this.controller.desiredSize ?? 0;
      if (chunk.data.byteLength > room) {
        this.fail(
          new AudioStreamError(
            "buffer_exceeded",
            this.conversationId,
            `audio of conversation ${this.conversationId}: more than ${this.maxBufferedBytes} unread bytes (maxBufferedAudioBytes); read the stream faster or raise the limit`,
          ),
        );
        return true;
      }
      this.controller.enqueue(chunk.data);
    }
    if (!chunk.done) return false;
    if (this.state === "open") {
      this.state = "done";
      this.controller.close();
    }
    return true;
  }

  /** Errors the stream (readers see `error`) unless it already ended. */
  fail(error: AudioStreamError): void {
    if (this.state === "cancelled") {
      this.state = "failed";
      return;
    }
    if (this.state !== "open") return;
    this.state = "failed";
    this.controller.error(error);
  }

  async collect(options?: CollectOptions): Promise<Uint8Array> {
    const signal = options?.signal;
    if (signal?.aborted) throw abortedError("collect", signal);
    const reader = this.stream.getReader();
    const onAbort = () => void reader.cancel(abortedError("collect", signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    const parts: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (signal?.aborted) throw abortedError("collect", signal);
        if (done) break;
        total += value.byteLength;
        if (total > this.maxBufferedBytes) {
          const error = new AudioStreamError(
            "buffer_exceeded",
            this.conversationId,
            `collect: the audio of conversation ${this.conversationId} is over ${this.maxBufferedBytes} bytes (maxBufferedAudioBytes); read the stream instead`,
          );
          await reader.cancel(error);
          throw error;
        }
        parts.push(value);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      reader.releaseLock();
    }
    return joinBytes(parts, total);
  }
}

function joinBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
