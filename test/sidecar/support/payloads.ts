import { ContentChunk_ChunkType } from "agentwire/schema";

/** The START content payload an agent opens a reply with. */
export const START = { case: "content", value: { type: ContentChunk_ChunkType.START } } as const;

/** A DELTA content payload carrying `content`. */
export const delta = (content: string) =>
  ({ case: "content", value: { type: ContentChunk_ChunkType.DELTA, content } }) as const;
