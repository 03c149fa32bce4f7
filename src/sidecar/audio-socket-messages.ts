/**
 * The messages of the live-audio socket: the error codes the sidecar ends a
 * socket with and their WebSocket close codes, and the fields of the
 * client's `audio.config` message.
 *
 * @module
 */
import { AudioFormatError, audioStreamConfig } from "./audio-ingest.js";

/** Why the sidecar ended a live-audio socket (the `code` of its `error` message). */
export type AudioSocketErrorCode =
  | "bad_message"
  | "bad_config"
  | "config_required"
  | "config_timeout"
  | "idle_timeout"
  | "empty_audio"
  | "audio_too_large"
  | "turn_in_progress"
  | "turn_ended"
  | "agent_unavailable"
  | "internal";

/** The WebSocket close code of each error: 4000 + the HTTP status the POST route would answer (1011 for a fault of the sidecar). */
export const AUDIO_SOCKET_CLOSE_CODES: Readonly<Record<AudioSocketErrorCode, number>> = {
  bad_message: 4400,
  bad_config: 4400,
  config_required: 4400,
  empty_audio: 4400,
  config_timeout: 4408,
  idle_timeout: 4408,
  turn_in_progress: 4409,
  turn_ended: 4409,
  audio_too_large: 4413,
  agent_unavailable: 4424,
  internal: 1011,
};

/** What the sidecar sends on a live-audio socket (JSON text messages). */
export type AudioSocketReply =
  | { readonly type: "audio.started"; readonly message_id: string }
  | {
      readonly type: "audio.done";
      readonly message_id: string;
      readonly status: "accepted";
      readonly size_bytes: number;
      readonly timestamp: string;
    }
  | { readonly type: "error"; readonly code: AudioSocketErrorCode; readonly message: string };

/** The bytes of a received message, whatever form ws delivered them in. */
export function bytesOf(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new AudioFormatError(key, `${key} must be a string`);
  return value;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === "number" ? value : Number.NaN;
}

/**
 * The `audio_config` named by an `audio.config` message: `mime_type` or
 * `encoding` (an `AudioEncoding` name), `sample_rate`, `channels`,
 * `language`, all optional; a wrong field throws {@link AudioFormatError}.
 */
export function audioConfigOf(body: Record<string, unknown>): ReturnType<typeof audioStreamConfig> {
  return audioStreamConfig({
    mimeType: optionalText(body, "mime_type"),
    encoding: optionalText(body, "encoding"),
    sampleRate: optionalNumber(body, "sample_rate"),
    channels: optionalNumber(body, "channels"),
    language: optionalText(body, "language"),
  });
}
