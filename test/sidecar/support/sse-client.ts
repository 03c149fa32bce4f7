/**
 * A small SSE client for tests: reads `id:`/`event:`/`data:` frames from a
 * fetch stream and lets a test await the next event matching a predicate.
 */

/** One parsed SSE event. */
export interface SseEvent {
  readonly id: number | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** An open SSE subscription. */
export interface SseSubscription {
  /** Every event received so far, in order. */
  readonly events: SseEvent[];
  /** Resolves with the next event (after the previous match) matching `predicate`; rejects when the stream ends first. */
  next(predicate?: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Shorthand: the next event with this name (heartbeats are skipped unless asked for). */
  nextEvent(name: string): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Aborts the request. */
  close(): void;
}

/** Opens `url` as an event stream; resolves after the `connected` event. */
export async function openSse(url: string, lastEventId?: number): Promise<SseSubscription> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (lastEventId !== undefined) headers["last-event-id"] = String(lastEventId);
  const res = await fetch(url, { headers, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  let cursor = 0;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(part, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: number | undefined;
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) id = Number(line.slice(4));
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          events.push({ id, event, data: data ? JSON.parse(data) : {} });
          cut = buffer.indexOf("\n\n");
        }
        wake();
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      wake();
    }
  })();

  function next(predicate: (e: SseEvent) => boolean = () => true): Promise<SseEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        while (cursor < events.length) {
          const e = events[cursor++] as SseEvent;
          if (predicate(e)) return resolve(e);
        }
        if (done) return reject(new Error("SSE stream ended before a matching event"));
        waiters.push(check);
      };
      check();
    });
  }

  const sub: SseSubscription = {
    events,
    next,
    nextEvent: (name) => next((e) => e.event === name),
    ended,
    close: () => abort.abort(),
  };
  await sub.nextEvent("connected");
  return sub;
}
