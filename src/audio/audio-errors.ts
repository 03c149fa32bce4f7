import { Code } from "@connectrpc/connect";
import { AgentwireError, type AgentwireErrorReason } from "../client/errors.js";

/**
 * Why an audio input stream failed: `superseded` (a new audio_config arrived
 * for the conversation before `done`), `sequence_gap` (a chunk arrived out of
 * order or one is missing), `buffer_exceeded` (more unread audio than
 * `maxBufferedAudioBytes`), `stream_lost` (the conversation stream broke; the
 * sidecar does not resume audio on the next one), `session_closed` (the
 * session closed), `disposed` (the demux was disposed).
 */
export type AudioStreamErrorKind =
  | "superseded"
  | "sequence_gap"
  | "buffer_exceeded"
  | "stream_lost"
  | "session_closed"
  | "disposed";

const reasons: Record<AudioStreamErrorKind, [AgentwireErrorReason, Code]> = {
  superseded: ["aborted", Code.Aborted],
  sequence_gap: ["malformed_frame", Code.DataLoss],
  buffer_exceeded: ["buffer_full", Code.ResourceExhausted],
  stream_lost: ["turn_lost", Code.Unavailable],
  session_closed: ["session_closed", Code.Canceled],
  disposed: ["aborted", Code.Canceled],
};

/**
 * The error an audio input's stream fails with: an AgentwireError (with the
 * closest general `reason`) that also names the audio-specific `kind` and the
 * conversation it belongs to.
 */
export class AudioStreamError extends AgentwireError {
  /** What ended the audio stream. */
  readonly kind: AudioStreamErrorKind;
  /** The conversation whose audio stream failed. */
  readonly conversationId: string;

  constructor(
    kind: AudioStreamErrorKind,
    conversationId: string,
    message: string,
    cause?: unknown,
  ) {
    const [reason, code] = reasons[kind];
    super(reason, message, code, cause);
    this.name = "AudioStreamError";
    this.kind = kind;
    this.conversationId = conversationId;
  }

  /** Matches only AudioStreamErrors (the inherited check would accept any AgentwireError). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(AudioStreamError, value)) return true;
    return (
      value instanceof Error &&
      value.name === "AudioStreamError" &&
      typeof (value as { kind?: unknown }).kind === "string"
    );
  }
}
