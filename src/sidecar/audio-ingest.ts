/**
 * Audio ingest for the web chat: one uploaded recording becomes the frames a
 * deployed sidecar sends for web audio (spec item 5): `audio_config`, numbered
 * `audio_chunk`s ending with `done`, and an "[audio]" placeholder message.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type AgentResponse,
  AgentResponseSchema,
  AudioEncoding,
  PlatformContext_EventKind,
} from "../schema/index.js";
import { ANONYMOUS_USER } from "./chat.js";

/** Content of the placeholder message sent with web audio. */
export const AUDIO_PLACEHOLDER = "[audio]";

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

/** The frames of one web audio upload and the id of its placeholder message. */
export interface AudioTurn {
  /** The placeholder message's id, used as `response_id` of every frame. */
  readonly messageId: string;
  /** audio_config, audio_chunk..., incoming_message "[audio]". */
  readonly frames: AgentResponse[];
}

/**
 * Builds the frames for the recording in `chunks` (each at most
 * AUDIO_CHUNK_BYTES, one `audio_chunk` each); query parameters
 * `sample_rate`, `channels`, `language` fill the config.
 */
export function audioTurn(
  conversationId: string,
  chunks: readonly Uint8Array[],
  contentType: string,
  query: URLSearchParams,
): AudioTurn {
  const messageId = randomUUID();
  const frame = (payload: MessageInitShape<typeof AgentResponseSchema>["payload"]) =>
    create(AgentResponseSchema, { conversationId, responseId: messageId, payload });
  const frames = [
    frame({
      case: "audioConfig",
      value: {
        encoding: encodingOf(contentType),
        sampleRate: Number.parseInt(query.get("sample_rate") ?? "0", 10) || 0,
        channels: Number.parseInt(query.get("channels") ?? "0", 10) || 0,
        language: query.get("language") ?? "",
        conversationId,
        source: "web",
        userId: ANONYMOUS_USER.id,
      },
    }),
  ];
  let sequence = 1n;
  for (const chunk of chunks) {
    frames.push(frame({ case: "audioChunk", value: { data: chunk, sequence: sequence++ } }));
  }
  frames.push(frame({ case: "audioChunk", value: { sequence: sequence++, done: true } }));
  frames.push(
    frame({
      case: "incomingMessage",
      value: {
        id: messageId,
        timestamp: timestampFromDate(new Date()),
        platform: "web",
        platformContext: {
          messageId,
          channelId: conversationId,
          eventKind: PlatformContext_EventKind.DM,
          userId: ANONYMOUS_USER.id,
        },
        user: { ...ANONYMOUS_USER },
        content: AUDIO_PLACEHOLDER,
        conversationId,
      },
    }),
  );
  return { messageId, frames };
}
