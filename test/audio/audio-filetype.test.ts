import { create } from "@bufbuild/protobuf";
import { audioEncodingToFiletype, isAudioPlaceholder } from "agentwire";
import { AudioEncoding, MessageSchema } from "agentwire/schema";
import { describe, expect, it } from "vitest";

describe("audioEncodingToFiletype", () => {
  it("maps every encoding, and unknown ones to undefined", () => {
    expect(audioEncodingToFiletype(AudioEncoding.LINEAR16)).toBe("wav");
    expect(audioEncodingToFiletype(AudioEncoding.MULAW)).toBe("wav");
    expect(audioEncodingToFiletype(AudioEncoding.OPUS)).toBe("opus");
    expect(audioEncodingToFiletype(AudioEncoding.MP3)).toBe("mp3");
    expect(audioEncodingToFiletype(AudioEncoding.WEBM_OPUS)).toBe("webm");
    expect(audioEncodingToFiletype(AudioEncoding.OGG_OPUS)).toBe("ogg");
    expect(audioEncodingToFiletype(AudioEncoding.FLAC)).toBe("flac");
    expect(audioEncodingToFiletype(AudioEncoding.AAC)).toBe("m4a");
    expect(audioEncodingToFiletype(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED)).toBeUndefined();
    expect(audioEncodingToFiletype(99 as AudioEncoding)).toBeUndefined();
  });
});

describe("isAudioPlaceholder", () => {
  it("is true only for content exactly [audio]", () => {
    expect(isAudioPlaceholder(create(MessageSchema, { content: "[audio]" }))).toBe(true);
    expect(isAudioPlaceholder({ content: "[audio] " })).toBe(false);
    expect(isAudioPlaceholder({ content: "[AUDIO]" })).toBe(false);
    expect(isAudioPlaceholder({ content: "" })).toBe(false);
  });
});
