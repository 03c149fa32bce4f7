/**
 * Reading a recording posted to `POST /api/conversations/{id}/audio`: a
 * multipart body with an `audio` file field (as the deployed web adapter
 * takes it) or, as before, the raw audio bytes with an `audio/*` type.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { VoiceMessage } from "../sidecar-core/user-frames.js";
import { AUDIO_CHUNK_BYTES, AudioFormatError, audioTurn } from "./audio-ingest.js";
import { HttpError, readBody, readBodyChunks } from "./http-util.js";

/** Room for a multipart body's boundaries, part headers and small fields, on top of the audio. */
export const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/** One posted recording. */
export interface AudioUpload {
  /** The audio in pieces of at most AUDIO_CHUNK_BYTES, one `audio_chunk` each. */
  readonly chunks: Uint8Array[];
  /** Its size in bytes. */
  readonly sizeBytes: number;
  /** Its content type (the file part's type for multipart, the body's otherwise). */
  readonly contentType: string;
  /** `sample_rate`, `channels`, `language`: the query's, overridden by form fields. */
  readonly fields: URLSearchParams;
}

const MULTIPART = /^multipart\/form-data\b/i;

/** Whether a content type is the multipart form the deployed adapter takes. */
export function isMultipart(contentType: string): boolean {
  return MULTIPART.test(contentType);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "body_too_large", `the audio exceeds ${maxBytes} bytes`);
}

function split(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += AUDIO_CHUNK_BYTES) {
    chunks.push(bytes.subarray(at, at + AUDIO_CHUNK_BYTES));
  }
  return chunks;
}

/**
 * Reads a multipart body bounded by `maxBytes` of audio (plus
 * MULTIPART_OVERHEAD_BYTES) and parses it with the platform's own form-data
 * parser (a fetch `Request`), so no parser of our own reads untrusted bytes.
 */
async function readMultipart(
  req: IncomingMessage,
  contentType: string,
  query: URLSearchParams,
  maxBytes: number,
): Promise<AudioUpload> {
  let body: Buffer;
  try {
    body = await readBody(req, maxBytes + MULTIPART_OVERHEAD_BYTES);
  } catch (err) {
    throw err instanceof HttpError && err.status === 413 ? tooLarge(maxBytes) : err;
  }
  let form: FormData;
  try {
    form = await new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length),
    }).formData();
  } catch (err) {
    throw new HttpError(
      400,
      "bad_multipart",
      `the multipart body cannot be parsed: ${String(err)}`,
    );
  }
  const audio = form.get("audio");
  if (audio === null) {
    throw new HttpError(400, "missing_audio", "the multipart body has no `audio` field");
  }
  if (typeof audio === "string") {
    throw new HttpError(400, "missing_audio", "the `audio` field must be a file, not text");
  }
  if (audio.size > maxBytes) throw tooLarge(maxBytes);
  const fields = new URLSearchParams(query);
  for (const name of ["sample_rate", "channels", "language"]) {
    const value = form.get(name);
    if (typeof value === "string") fields.set(name, value);
  }
  const bytes = new Uint8Array(await audio.arrayBuffer());
  return { chunks: split(bytes), sizeBytes: bytes.length, contentType: audio.type, fields };
}

/** Reads the posted recording, multipart or raw, refusing more than `maxBytes` of audio with 413. */
export async function readAudioUpload(
  req: IncomingMessage,
  query: URLSearchParams,
  maxBytes: number,
): Promise<AudioUpload> {
  const contentType = req.headers["content-type"] ?? "";
  if (isMultipart(contentType)) return readMultipart(req, contentType, query, maxBytes);
  const chunks = await readBodyChunks(req, maxBytes, AUDIO_CHUNK_BYTES);
  const sizeBytes = chunks.reduce((n, c) => n + c.length, 0);
  return { chunks, sizeBytes, contentType, fields: query };
}

/** Whether path segments name a conversation's audio route, `/api/conversations/{id}/audio`. */
export function isAudioPath(path: readonly string[]): boolean {
  return (
    path.length === 4 && path[0] === "api" && path[1] === "conversations" && path[3] === "audio"
  );
}

/** The frames of an uploaded recording; a bad format field is a 400 naming it. */
export function audioTurnOf(conversationId: string, upload: AudioUpload): VoiceMessage {
  try {
    return audioTurn(conversationId, upload.chunks, upload.contentType, upload.fields);
  } catch (err) {
    if (err instanceof AudioFormatError) throw new HttpError(400, "bad_audio_format", err.message);
    throw err;
  }
}

/**
 * The body of an accepted recording, as the deployed adapter answers it
 * (`202 {message_id, status, size_bytes}`, plus agentwire's `timestamp`):
 * `status` is "accepted" because the audio has been handed to the agent and
 * its answer comes over the event stream, as HTTP 202 means.
 */
export function audioAccepted(
  sent: { readonly messageId: string; readonly timestamp: Date },
  sizeBytes: number,
): { message_id: string; status: "accepted"; size_bytes: number; timestamp: string } {
  return {
    message_id: sent.messageId,
    status: "accepted",
    size_bytes: sizeBytes,
    timestamp: sent.timestamp.toISOString(),
  };
}
