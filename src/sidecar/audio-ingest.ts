/**
 * Audio ingest for the web chat: one uploaded recording becomes the frames a
 * deployed sidecar sends for web audio (spec item 5): `audio_config`, numbered
 * `audio_chunk`s ending with `done`, and an "[audio]" placeholder message.
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AudioEncoding, type AudioStreamConfigSchema } from "../schema/index.js";
import { type VoiceMessage, voiceMessage } from "../sidecar-core/user-frames.js";
import { WEB_USER_DEFAULTS } from "./chat.js";
import { WEB_PLATFORM } from "./conversations.js";

/** Size of each `audio_chunk`, well below the 4 MiB frame limit. */
export const AUDIO_CHUNK_BYTES = 64 * 1024;

const ENCODINGS: [RegExp, AudioEncoding][] = [
  [/^audio\/webm/, AudioEncoding.WEBM_OPUS],
  [/^audio\/ogg/, AudioEncoding.OGG_OPUS],
  [/^audio\/opus/, AudioEncoding.OPUS],
  [/^audio\/(wav|x-wav|l16|pcm)/, AudioEncoding.LINEAR16],
  [/^audio\/(basic|mulaw|x-mulaw)/, AudioEncoding.MULAW],
  [/^audio\/(mpeg|mp3)/, AudioEncoding.MP3],
  [/^audio\/(flac|x-flac)/, AudioEncoding.FLAC],
  [/^audio\/(aac|mp4|x-m4a)/, AudioEncoding.AAC],
];

/** The audio encoding named by a content type; unspecified when unknown. */
export function encodingOf(contentType: string): AudioEncoding {
  const type = contentType.toLowerCase();
  return (
    ENCODINGS.find(([pattern]) => pattern.test(type))?.[1] ??
    AudioEncoding.AUDIO_ENCODING_UNSPECIFIED
  );
}

/** How a client describes its audio: a content type or an encoding name, rate, channels, language. */
export interface AudioFormat {
  /** A content type such as `audio/webm;codecs=opus` (mapped by {@link encodingOf}). */
  readonly mimeType?: string;
  /** An `AudioEncoding` value name such as `LINEAR16`; wins over `mimeType`. */
  readonly encoding?: string;
  /** Samples per second; 0 when unknown. */
  readonly sampleRate?: number;
  /** Channel count; 0 when unknown. */
  readonly channels?: number;
  /** A BCP-47 language tag, or empty. */
  readonly language?: string;
}

/** Thrown for a format field that cannot be used; `field` names it. */
export class AudioFormatError extends Error {
  override name = "AudioFormatError";
  /** The field (snake_case, as the client sent it) that was wrong. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function count(field: string, value: number | undefined, max: number): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new AudioFormatError(field, `${field} must be an integer from 0 to ${max}`);
  }
  return value;
}

/** The `audio_config` of a web recording in `format`; throws {@link AudioFormatError}. */
export function audioStreamConfig(
  format: AudioFormat,
): MessageInitShape<typeof AudioStreamConfigSchema> {
  let encoding = encodingOf(format.mimeType ?? "");
  if (format.encoding !== undefined && format.encoding !== "") {
    const named = AudioEncoding[format.encoding.toUpperCase() as keyof typeof AudioEncoding];
    if (typeof named !== "number") {
      const names = Object.keys(AudioEncoding).filter((k) => Number.isNaN(Number(k)));
      throw new AudioFormatError("encoding", `encoding must be one of ${names.join(", ")}`);
    }
    encoding = named;
  }
  return {
    encoding,
    sampleRate: count("sample_rate", format.sampleRate, 768_000),
    channels: count("channels", format.channels, 64),
    language: format.language ?? "",
    source: WEB_PLATFORM,
  };
}

/** A whole-number field of an upload's query or form fields, leniently (absent or bad: 0). */
function numberField(fields: URLSearchParams, name: string): number {
  return Number.parseInt(fields.get(name) ?? "0", 10) || 0;
}

/**
 * Builds the frames for the recording in `chunks` (each at most
 * AUDIO_CHUNK_BYTES, one `audio_chunk` each): audio_config, the chunks, the
 * `done` chunk, then the "[audio]" placeholder message whose id every frame
 * carries as `response_id`; fields `sample_rate`, `channels`, `language`
 * (query parameters or form fields) fill the config.
 */
export function audioTurn(
  conversationId: string,
  chunks: readonly Uint8Array[],
  contentType: string,
  fields: URLSearchParams,
): VoiceMessage {
  const config = audioStreamConfig({
    mimeType: contentType,
    sampleRate: numberField(fields, "sample_rate"),
    channels: numberField(fields, "channels"),
    language: fields.get("language") ?? "",
  });
  return voiceMessage({ conversationId, chunks, config }, WEB_USER_DEFAULTS);
}
