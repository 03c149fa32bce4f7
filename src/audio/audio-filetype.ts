import { AudioEncoding, type Message } from "../schema/index.js";

/**
 * The file type an audio stream's bytes are labelled with when handed to a
 * transcription API (most pick their decoder from a file name's extension).
 */
export type AudioFiletype = "wav" | "opus" | "mp3" | "webm" | "ogg" | "flac" | "m4a";

const filetypes: ReadonlyMap<AudioEncoding, AudioFiletype> = new Map([
  [AudioEncoding.LINEAR16, "wav"],
  [AudioEncoding.MULAW, "wav"],
  [AudioEncoding.OPUS, "opus"],
  [AudioEncoding.MP3, "mp3"],
  [AudioEncoding.WEBM_OPUS, "webm"],
  [AudioEncoding.OGG_OPUS, "ogg"],
  [AudioEncoding.FLAC, "flac"],
  [AudioEncoding.AAC, "m4a"],
]);

/**
 * Maps an `AudioEncoding` to the file type its bytes are usually uploaded as.
 * LINEAR16 and MULAW (raw samples) map to "wav". `AUDIO_ENCODING_UNSPECIFIED`
 * and values this version does not know return undefined rather than throw,
 * because a sidecar newer than the agent may send encodings added later; the
 * caller decides whether to guess or refuse.
 */
export function audioEncodingToFiletype(encoding: AudioEncoding): AudioFiletype | undefined {
  return filetypes.get(encoding);
}

/** The content of the placeholder message a web sidecar sends alongside an audio stream. */
export const audioPlaceholderContent = "[audio]";

/**
 * Tells whether an incoming message is the web chat's "[audio]" placeholder
 * (content exactly "[audio]"), which announces an audio stream and carries no
 * text, so a turn router can skip it instead of answering it as a prompt.
 */
export function isAudioPlaceholder(message: Pick<Message, "content">): boolean {
  return message.content === audioPlaceholderContent;
}
