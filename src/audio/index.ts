/**
 * Incoming audio: one stream per conversation, demultiplexed from a session,
 * plus the helpers a turn router needs to recognise audio.
 *
 * @module
 */

export type {
  AudioDemux,
  AudioDemuxEvents,
  AudioDemuxOptions,
  AudioInputsOptions,
  ResolvedAudioDemuxOptions,
} from "./audio-demux.js";
export { createAudioDemux, resolveAudioDemuxOptions } from "./audio-demux.js";
export type { AudioStreamErrorKind } from "./audio-errors.js";
export { AudioStreamError } from "./audio-errors.js";
export type { AudioFiletype } from "./audio-filetype.js";
export {
  audioEncodingToFiletype,
  audioPlaceholderContent,
  isAudioPlaceholder,
} from "./audio-filetype.js";
export type { AudioInput, AudioInputState, CollectOptions } from "./audio-input.js";
