/**
 * A bounded cache of unread answers across calls. An answer is a function of
 * the reader, the call's options and the store's `unreadVersion` of the reader
 * (its unread deliveries and the message counts of their threads), so an
 * entry is reused only while the store answers the same version; a store
 * shared by several servers is asked each time, so a change made through any
 * of them is seen. Entries are bounded by an estimate of the bytes they hold
 * in all (`answerBytes`); the least recently used go first.
 *
 * @module
 */
import type { DeliveryFrame, JsonValue, MailContext } from "./mailbox-types.js";

/** Unread answers by reader and options, each valid for one store version. */
export interface UnreadCache {
  /** The frames answered for `key` at `version`, if kept. */
  get(key: string, version: string): readonly DeliveryFrame[] | undefined;
  /** Keeps the frames answered for `key` at `version` (an answer over the bound is not kept). */
  set(key: string, version: string, frames: readonly DeliveryFrame[]): void;
}

interface Entry {
  version: string;
  frames: readonly DeliveryFrame[];
  bytes: number;
}

/** What a message or a context holds besides its payloads (ids, addresses, times, object overhead). */
const overheadBytes = 512;

const jsonLength = (v: JsonValue | undefined) => (v === undefined ? 0 : JSON.stringify(v).length);

/**
 * About how many bytes an answer keeps alive: each frame's message with its
 * payload's JSON, and each distinct context once (its summary and recent
 * payloads, from its token count, and its messages' overhead); an empty
 * answer still costs an entry.
 */
export function answerBytes(frames: readonly DeliveryFrame[]): number {
  let bytes = overheadBytes;
  const contexts = new Set<MailContext>();
  for (const f of frames) {
    bytes += overheadBytes + jsonLength(f.message.payload);
    if (contexts.has(f.context)) continue;
    contexts.add(f.context);
    bytes += overheadBytes * (1 + f.context.recentMessages.length) + 4 * f.context.tokenCount;
  }
  return bytes;
}

/** Creates a cache holding answers of at most `maxBytes` in all, by `answerBytes` (0: keeps nothing). */
export function createUnreadCache(maxBytes: number): UnreadCache {
  const map = new Map<string, Entry>();
  let held = 0;
  const drop = (key: string, entry: Entry) => {
    map.delete(key);
    held -= entry.bytes;
  };
  return {
    get(key, version) {
      const entry = map.get(key);
      if (entry === undefined) return undefined;
      drop(key, entry);
      if (entry.version !== version) return undefined;
      map.set(key, entry);
      held += entry.bytes;
      return entry.frames;
    },
    set(key, version, frames) {
      const old = map.get(key);
      if (old !== undefined) drop(key, old);
      if (maxBytes === 0) return;
      const bytes = answerBytes(frames);
      if (bytes > maxBytes) return;
      map.set(key, { version, frames, bytes });
      held += bytes;
      for (const [k, e] of map) {
        if (held <= maxBytes) break;
        drop(k, e);
      }
    },
  };
}
