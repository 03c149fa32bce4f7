/**
 * The chat page's SSE reader: reads a conversation's event stream with
 * fetch, remembers the last event id and reconnects with `Last-Event-ID`
 * (at once after a stop, after a second on errors) until closed.
 *
 * @module
 */

/**
 * Defines `openStream(id, onEvent, onBreak)` in the page; the returned object
 * has `ready` (resolves on `connected`), `quick` (reconnect at once next
 * time), `closed` and `abort`. `onBreak(s)` is called each time the stream
 * ends or fails without being closed by the page.
 */
export const STREAM_SCRIPT = String.raw`
function openStream(id, onEvent, onBreak) {
  var s = { id: id, onEvent: onEvent, onBreak: onBreak, lastEventId: null, abort: new AbortController(), closed: false, quick: false };
  s.ready = new Promise(function (resolve) { s.resolveReady = resolve; });
  connectStream(s);
  return s;
}

function connectStream(s) {
  var headers = { accept: "text/event-stream" };
  if (s.lastEventId !== null) headers["last-event-id"] = String(s.lastEventId);
  fetch("/api/conversations/" + encodeURIComponent(s.id) + "/stream", { headers: headers, signal: s.abort.signal })
    .then(function (res) { return readStream(res, s); })
    .catch(function () {})
    .then(function () {
      if (s.closed) return;
      if (s.onBreak) s.onBreak(s);
      s.ready = new Promise(function (resolve) { s.resolveReady = resolve; });
      var delay = s.quick ? 0 : 1000;
      s.quick = false;
      setTimeout(function () { if (!s.closed) connectStream(s); }, delay);
    });
}

async function readStream(res, s) {
  if (!res.ok || !res.body) throw new Error("stream " + res.status);
  var reader = res.body.getReader();
  var decoder = new TextDecoder();
  var buffer = "";
  for (;;) {
    var part = await reader.read();
    if (part.done) return;
    buffer += decoder.decode(part.value, { stream: true });
    var cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      var block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      var id = null, event = "message", data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("id: ") === 0) id = Number(line.slice(4));
        else if (line.indexOf("event: ") === 0) event = line.slice(7);
        else if (line.indexOf("data: ") === 0) data += line.slice(6);
      });
      if (id !== null) s.lastEventId = id;
      if (event === "connected") s.resolveReady();
      else if (event !== "heartbeat") s.onEvent(s, event, parseJson(data, {}));
    }
  }
}
`;
