// @ts-check
/**
 * The chat page's SSE reader: reads a conversation's event stream with
 * fetch, remembers the last event id and reconnects with `Last-Event-ID`
 * (at once after a stop, after a second on errors) until closed.
 * `openStream(id, onEvent, onBreak)` returns an object with `ready`
 * (resolves on `connected`), `closed` and `abort`; `onBreak(s)` is called
 * each time the stream ends or fails without being closed by the page or
 * ended by a stop (`expectEnd`). A first connection is sent a turn that
 * ended moments ago (for clients that connect after they post); the page
 * shows that turn from the history instead, so it skips those events.
 */
import { parseJson } from "./chat-util.js";

/**
 * One conversation's event stream, kept open across breaks.
 * @typedef {{
 *   id: string,
 *   onEvent: (s: EventStream, event: string, data: any) => void,
 *   onBreak: ((s: EventStream) => void) | undefined,
 *   lastEventId: number | null,
 *   abort: AbortController,
 *   closed: boolean,
 *   quick: boolean,
 *   endExpected: boolean,
 *   connects: number,
 *   skipThrough: number,
 *   ready: Promise<void>,
 *   resolveReady: () => void,
 *   onConnect: (() => void)[],
 * }} EventStream
 */

/**
 * Opens a conversation's event stream.
 * @param {string} id
 * @param {EventStream["onEvent"]} onEvent
 * @param {EventStream["onBreak"]} [onBreak]
 * @returns {EventStream}
 */
export function openStream(id, onEvent, onBreak) {
  const s = /** @type {EventStream} */ ({
    id: id,
    onEvent: onEvent,
    onBreak: onBreak,
    lastEventId: null,
    abort: new AbortController(),
    closed: false,
    quick: false,
    endExpected: false,
    connects: 0,
    skipThrough: 0,
    onConnect: /** @type {(() => void)[]} */ ([]),
  });
  s.ready = new Promise((resolve) => {
    s.resolveReady = resolve;
  });
  connectStream(s);
  return s;
}

function connectStream(s) {
  const headers = { accept: "text/event-stream" };
  if (s.lastEventId !== null) headers["last-event-id"] = String(s.lastEventId);
  fetch(`/api/conversations/${encodeURIComponent(s.id)}/stream`, {
    headers: headers,
    signal: s.abort.signal,
  })
    .then((res) => readStream(res, s))
    .catch(() => {})
    .then(() => {
      if (s.closed) return;
      if (s.onBreak && !s.endExpected) s.onBreak(s);
      s.endExpected = false;
      s.ready = new Promise((resolve) => {
        s.resolveReady = resolve;
      });
      const delay = s.quick ? 0 : 1000;
      s.quick = false;
      setTimeout(() => {
        if (!s.closed) connectStream(s);
      }, delay);
    });
}

async function readStream(res, s) {
  if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const part = await reader.read();
    if (part.done) return;
    buffer += decoder.decode(part.value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let id = null,
        event = "message",
        data = "";
      block.split("\n").forEach((line) => {
        if (line.indexOf("id: ") === 0) id = Number(line.slice(4));
        else if (line.indexOf("event: ") === 0) event = line.slice(7);
        else if (line.indexOf("data: ") === 0) data += line.slice(6);
      });
      if (id !== null) s.lastEventId = id;
      if (event === "connected") connected(s, parseJson(data, {}));
      else if (event !== "heartbeat" && !(id !== null && id <= s.skipThrough))
        s.onEvent(s, event, parseJson(data, {}));
    }
  }
}

function connected(s, data) {
  if (data.replay && !data.replay.turn_running) s.skipThrough = data.replay.through;
  s.connects++;
  s.resolveReady();
  s.onConnect.splice(0).forEach((wake) => {
    wake();
  });
}

/**
 * Marks the coming end of the stream as expected (the sidecar ends it after a
 * stop) and returns a promise that resolves once the stream is connected
 * again after that, or after `maxWaitMs` when it is not.
 * @param {EventStream} s
 * @param {number} maxWaitMs
 * @returns {{ reconnected: Promise<void> }}
 */
export function expectEnd(s, maxWaitMs) {
  s.quick = true;
  s.endExpected = true;
  const before = s.connects;
  const reconnected = new Promise((resolve) => {
    const timer = setTimeout(resolve, maxWaitMs);
    const wake = () => {
      if (s.connects > before) {
        clearTimeout(timer);
        resolve(undefined);
      } else s.onConnect.push(wake);
    };
    s.onConnect.push(wake);
  });
  return { reconnected: reconnected.then(() => {}) };
}
