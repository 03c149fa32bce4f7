/**
 * Audio ingest for the web chat: one uploaded recording becomes the frames a
 * deployed sidecar sends for web audio (spec item 5): `audio_config`, numbered
 * `audio_chunk`s ending with `done`, and an "[audio]" placeholder message.
 *
 * @module
 */
import { AudioEncoding } from "../schema/index.js";
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

/**
 * Builds the frames for the recording in `chunks` (each at most
 * AUDIO_CHUNK_BYTES, one `audio_chunk` each): audio_config, the chunks, the
 * `done` chunk, then the "[audio]" placeholder message whose id every frame
 * carries as `response_id`; query parameters `sample_rate`, `channels`,
 * `language` fill the config.
 */
export function audioTurn(
  conversationId: string,
  chunks: readonly Uint8Array[],
  contentType: string,
  query: URLSearchParams,
): VoiceMessage {
  const config = {
    encoding: encodingOf(contentType),
    sampleRate: Number.parseInt(query.get("sample_rate") ?? "0", 10) || 0,
    channels: Number.parseInt(query.get("channels") ?? "0", 10) || 0,
    language: query.get("language") ?? "",
    source: WEB_PLATFORM,
  };
  return voiceMessage({ conversationId, chunks, config }, WEB_USER_DEFAULTS);
}
