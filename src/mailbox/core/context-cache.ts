/**
 * A bounded cache of built contexts across answers. A context is a function of
 * the thread's message count (messages are never changed or deleted), the
 * `recent` asked for and the reader (bcc in recent messages), so an entry keyed
 * by those is valid as long as it exists; the least recently used go first.
 *
 * @module
 */
import type { MailContext } from "./mailbox-types.js";

/** Built contexts by thread, message count, recent and reader. */
export interface ContextCache {
  /** The cached context, if any. */
  get(
    threadId: string,
    messageCount: number,
    recent: number,
    reader: string,
  ): MailContext | undefined;
  /** Caches a context. */
  set(
    threadId: string,
    messageCount: number,
    recent: number,
    reader: string,
    context: MailContext,
  ): void;
}

/** Creates a cache of at most `maxEntries` contexts (0: caches nothing). */
export function createContextCache(maxEntries: number): ContextCache {
  const map = new Map<string, MailContext>();
  const key = (t: string, n: number, r: number, reader: string) =>
    `${t}\u0000${n}\u0000${r}\u0000${reader}`;
  return {
    get(t, n, r, reader) {
      const k = key(t, n, r, reader);
      const v = map.get(k);
      if (v !== undefined) {
        map.delete(k);
        map.set(k, v);
      }
      return v;
    },
    set(t, n, r, reader, context) {
      if (maxEntries === 0) return;
      map.set(key(t, n, r, reader), context);
      if (map.size > maxEntries) map.delete(map.keys().next().value as string);
    },
  };
}
