import { type AgentwireError, abortedError } from "../client/errors.js";
import { AsyncQueue } from "../internal/async-queue.js";
import { Emitter, type Listener } from "../internal/emitter.js";
import type { AgentResponse, AudioChunk, AudioStreamConfig } from "../schema/index.js";
import type { Session, SessionStateChange } from "../session/session-interface.js";
import { AudioStreamError, type AudioStreamErrorKind } from "./audio-errors.js";
import { type AudioInput, AudioInputSink } from "./audio-input.js";

/** Options of `createAudioDemux`. */
export interface AudioDemuxOptions {
  /** Called with every audio input as its `audio_config` arrives (registered before any frame). */
  onInput?: (input: AudioInput) => void;
  /**
   * The most unread bytes one input's stream holds (and the most `collect()`
   * joins); past it the stream errors with kind "buffer_exceeded" instead of
   * growing without bound (default 16 MiB).
   */
  maxBufferedAudioBytes?: number;
  /**
   * Whether chunks must arrive numbered 1, 2, 3, ...; a gap or reordering
   * errors the stream with kind "sequence_gap", since audio with a hole in
   * it decodes wrongly (default true). Turn off for sidecars that do not number chunks.
   */
  checkSequence?: boolean;
  /** Disposes the demux when it aborts. */
  signal?: AbortSignal;
}

/** AudioDemuxOptions with every default filled in. */
export interface ResolvedAudioDemuxOptions {
  /** See AudioDemuxOptions.onInput. */
  onInput: ((input: AudioInput) => void) | undefined;
  /** See AudioDemuxOptions.maxBufferedAudioBytes. */
  maxBufferedAudioBytes: number;
  /** See AudioDemuxOptions.checkSequence. */
  checkSequence: boolean;
  /** See AudioDemuxOptions.signal. */
  signal: AbortSignal | undefined;
}

/** Fills in the defaults of AudioDemuxOptions; the only place they are decided. */
export function resolveAudioDemuxOptions(
  options: AudioDemuxOptions = {},
): ResolvedAudioDemuxOptions {
  return {
    onInput: options.onInput,
    maxBufferedAudioBytes: options.maxBufferedAudioBytes ?? 16 * 1024 * 1024,
    checkSequence: options.checkSequence ?? true,
    signal: options.signal,
  };
}

/** The events of an audio demux and their listener arguments. */
export interface AudioDemuxEvents {
  /** An audio stream began (its `audio_config` arrived). */
  input: [input: AudioInput];
}

/** Options of `AudioDemux.inputs`. */
export interface AudioInputsOptions {
  /** Ends the iteration; it then throws an AgentwireError with reason "aborted". */
  signal?: AbortSignal;
}

/**
 * Splits a session's incoming audio into one AudioInput per stream, keyed by
 * the envelope's `conversation_id`, so audio of several conversations can
 * arrive interleaved on the one conversation stream.
 *
 * Decisions: a new `audio_config` for a conversation whose stream is still
 * open errors the old stream (kind "superseded") and starts a new one;
 * chunks with no open stream (before a config, after `done`) are dropped and
 * counted in `strayChunks`; when the conversation stream breaks, open streams
 * error with kind "stream_lost" (the sidecar does not resume audio on the
 * next stream); when the session closes, with kind "session_closed", and the
 * demux removes its listeners.
 */
export interface AudioDemux {
  /** Inputs whose stream is still open. */
  readonly openInputs: number;
  /** Chunks dropped because no stream of their conversation was open. */
  readonly strayChunks: number;
  /** True after `dispose()`, or once the session closed. */
  readonly disposed: boolean;
  /** Inputs that begin from now on, as an async iterable; ends when the demux is disposed. */
  inputs(options?: AudioInputsOptions): AsyncIterableIterator<AudioInput>;
  /** Same as `inputs()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<AudioInput>;
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof AudioDemuxEvents>(
    event: K,
    listener: Listener<AudioDemuxEvents[K]>,
  ): () => void;
  /** Removes the session listeners and errors open streams with kind "disposed". */
  dispose(): void;
}

/** Starts demultiplexing a session's audio; see AudioDemux. */
export function createAudioDemux(session: Session, options?: AudioDemuxOptions): AudioDemux {
  return new SessionAudioDemux(session, resolveAudioDemuxOptions(options));
}

class SessionAudioDemux implements AudioDemux {
  strayChunks = 0;
  disposed = false;
  private readonly open = new Map<string, AudioInputSink>();
  private readonly subscribers = new Set<AsyncQueue<AudioInput>>();
  private readonly events = new Emitter<AudioDemuxEvents>((e) =>
    queueMicrotask(() => {
      throw e;
    }),
  );
  private readonly unsubscribe: (() => void)[];
  private readonly onAbort = () => this.dispose();

  constructor(
    session: Session,
    private readonly options: ResolvedAudioDemuxOptions,
  ) {
    if (options.onInput !== undefined) this.events.on("input", options.onInput);
    this.unsubscribe = [
      session.on("audioConfig", this.onConfig),
      session.on("audioChunk", this.onChunk),
      session.on("state", this.onState),
    ];
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted || session.state === "closed") this.dispose();
  }

  get openInputs(): number {
    return this.open.size;
  }

  inputs(options?: AudioInputsOptions): AsyncIterableIterator<AudioInput> {
    const signal = options?.signal;
    const onAbort = () => sub.end(abortedError("inputs", signal as AbortSignal));
    const sub: AsyncQueue<AudioInput> = new AsyncQueue(() => {
      this.subscribers.delete(sub);
      signal?.removeEventListener("abort", onAbort);
    });
    if (this.disposed) {
      sub.end();
      return sub;
    }
    this.subscribers.add(sub);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    return sub;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AudioInput> {
    return this.inputs();
  }

  on<K extends keyof AudioDemuxEvents>(
    event: K,
    listener: Listener<AudioDemuxEvents[K]>,
  ): () => void {
    return this.events.on(event, listener);
  }

  dispose(): void {
    this.shutdown("disposed", "the audio demux was disposed");
  }

  private shutdown(kind: AudioStreamErrorKind, why: string, cause?: AgentwireError): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const off of this.unsubscribe) off();
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.failOpen(kind, why, cause);
    for (const sub of this.subscribers) sub.end();
    this.subscribers.clear();
    this.events.clear();
  }

  private failOpen(kind: AudioStreamErrorKind, why: string, cause?: AgentwireError): void {
    for (const [conversationId, sink] of this.open) {
      sink.fail(
        new AudioStreamError(
          kind,
          conversationId,
          `audio of conversation ${conversationId} ended before its last chunk: ${why}`,
          cause,
        ),
      );
    }
    this.open.clear();
  }

  private readonly onConfig = (config: AudioStreamConfig, frame: AgentResponse): void => {
    const conversationId = frame.conversationId;
    const previous = this.open.get(conversationId);
    if (previous !== undefined) {
      previous.fail(
        new AudioStreamError(
          "superseded",
          conversationId,
          `audio of conversation ${conversationId}: a new audio_config arrived before the last chunk of this stream`,
        ),
      );
    }
    const sink = new AudioInputSink(
      conversationId,
      frame.responseId,
      config,
      this.options.maxBufferedAudioBytes,
      this.options.checkSequence,
    );
    this.open.set(conversationId, sink);
    this.events.emit("input", sink);
    for (const sub of this.subscribers) sub.push(sink);
  };

  private readonly onChunk = (chunk: AudioChunk, frame: AgentResponse): void => {
    const sink = this.open.get(frame.conversationId);
    if (sink === undefined) {
      this.strayChunks++;
      return;
    }
    if (sink.push(chunk)) this.open.delete(frame.conversationId);
  };

  private readonly onState = (change: SessionStateChange): void => {
    if (change.state === "reconnecting") {
      this.failOpen("stream_lost", "the conversation stream broke", change.error);
    } else if (change.state === "closed") {
      this.shutdown("session_closed", "the session closed", change.error);
    }
  };
}
