/**
 * A bounded cache of unread answers across calls. An answer is a function of
 * the reader, the call's options and the store's `unreadVersion` of the reader
 * (its unread deliveries and the message counts of their threads), so an
 * entry is reused only while the store answers the same version; a store
 * shared by several servers is asked each time, so a change made through any
 * of them is seen. Entries are bounded by their frames in all; the least
 * recently used go first.
 *
 * @module
 */
import type { DeliveryFrame } from "./mailbox-types.js";

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
}

/** Creates a cache holding at most `maxFrames` frames over all its answers (0: keeps nothing). */
export function createUnreadCache(maxFrames: number): UnreadCache {
  const map = new Map<string, Entry>();
  let held = 0;
  // An empty answer still costs an entry: it counts as one frame.
  const cost = (frames: readonly DeliveryFrame[]) => Math.max(1, frames.length);
  const drop = (key: string, entry: Entry) => {
    map.delete(key);
    held -= cost(entry.frames);
  };
  return {
    get(key, version) {
      const entry = map.get(key);
      if (entry === undefined) return undefined;
      drop(key, entry);
      if (entry.version !== version) return undefined;
      map.set(key, entry);
      held += cost(entry.frames);
      return entry.frames;
    },
    set(key, version, frames) {
      const old = map.get(key);
      if (old !== undefined) drop(key, old);
      if (cost(frames) > maxFrames) return;
      map.set(key, { version, frames });
      held += cost(frames);
      for (const [k, e] of map) {
        if (held <= maxFrames) break;
        drop(k, e);
      }
    },
  };
}
