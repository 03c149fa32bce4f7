/**
 * The chat page's main script: conversations kept in localStorage, an SSE
 * reader with `Last-Event-ID` reconnects, streaming reply bubbles, status
 * line, stop, suggested prompts, retryable errors and forms.
 *
 * @module
 */
import { AUDIO_SCRIPT } from "./page-audio.js";
import { FORM_SCRIPT } from "./page-form.js";
import { STREAM_SCRIPT } from "./page-stream.js";

const MAIN_SCRIPT = `
(function () {
  "use strict";
  var STORE_KEY = "agentwire.dev.conversations";
  var $ = function (id) { return document.getElementById(id); };
  var listEl = $("conversation-list"), messagesEl = $("messages"), emptyEl = $("empty");
  var input = $("input"), sendBtn = $("send"), stopBtn = $("stop"), composer = $("composer");
  var statusLine = $("status-line"), titleEl = $("chat-title"), agentEl = $("agent-state");
  var sidebarToggle = $("sidebar-toggle"), app = document.querySelector(".app");
  // stopped: the user stopped the reply (or its stream broke): its late content never renders.
  var state = { conversations: load(), current: null, stream: null, running: false, stopped: false, reply: null, lastUser: "" };

  function load() { var v = parseJson(localStorage.getItem(STORE_KEY), []); return Array.isArray(v) ? v : []; }
  function save() { localStorage.setItem(STORE_KEY, JSON.stringify(state.conversations.slice(0, 50))); }
  // Always JSON: the sidecar refuses a state change without a preflighted content type.
  function post(path, body) {
    var init = { method: "POST", headers: { "content-type": "application/json" } };
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(path, init);
  }
  function convPath(suffix) { return "/api/conversations/" + encodeURIComponent(state.current) + suffix; }
  function nearBottom() { return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 80; }
  function scroll(force) { if (force || nearBottom()) messagesEl.scrollTop = messagesEl.scrollHeight; }
  function add(node) { var stick = nearBottom(); emptyEl.hidden = true; messagesEl.append(node); scroll(stick); return node; }

  function renderList() {
    listEl.replaceChildren();
    state.conversations.forEach(function (c) {
      var b = el("button", "conversation", c.title || "Untitled");
      b.type = "button";
      b.title = c.title || "";
      if (c.id === state.current) b.setAttribute("aria-current", "true");
      b.addEventListener("click", function () { select(c.id); });
      listEl.append(b);
    });
  }

  function row(role) { return el("div", "row " + role); }
  function userBubble(text) { var r = row("user"); r.append(el("div", "bubble", text)); return add(r); }
  function agentBubble(text) { var r = row("agent"); var b = el("div", "bubble", text); r.append(b); add(r); return b; }

  function setRunning(running) {
    state.running = running;
    stopBtn.hidden = !running;
    sendBtn.hidden = running;
    if (!running) statusLine.textContent = "";
  }

  function clearChips() { messagesEl.querySelectorAll(".chips").forEach(function (c) { c.remove(); }); }

  function startReply() {
    var b = agentBubble("");
    b.classList.add("pending");
    var dots = el("span", "typing");
    dots.append(el("span"), el("span"), el("span"));
    dots.setAttribute("aria-label", "The agent is replying");
    b.append(dots);
    state.reply = { bubble: b, text: "" };
  }

  function replyText(text) {
    if (!state.reply) startReply();
    var r = state.reply;
    r.text = text;
    r.bubble.classList.remove("pending");
    r.bubble.classList.add("streaming");
    r.bubble.textContent = text;
    scroll(false);
  }

  function endReply(note) {
    var r = state.reply;
    state.reply = null;
    if (!r) return;
    r.bubble.classList.remove("streaming");
    if (r.text === "") r.bubble.parentElement.remove();
    else if (note) { r.bubble.classList.add("stopped"); r.bubble.parentElement.append(el("div", "meta", note)); }
  }

  function showError(data) {
    var card = el("div", "error-card");
    card.setAttribute("role", "alert");
    card.append(el("span", "", data.message || data.code || "Something went wrong"));
    if (data.retryable && state.lastUser) {
      var retry = el("button", "", "Retry");
      retry.type = "button";
      retry.addEventListener("click", function () { card.remove(); send(state.lastUser); });
      card.append(retry);
    }
    var r = row("agent");
    r.append(card);
    add(r);
  }

  function showPrompts(prompts) {
    clearChips();
    var chips = el("div", "chips");
    prompts.forEach(function (p) {
      var chip = el("button", "chip", p.title || p.message);
      chip.type = "button";
      if (p.description) chip.title = p.description;
      chip.addEventListener("click", function () { send(p.message || p.title); });
      chips.append(chip);
    });
    var r = row("agent");
    r.append(chips);
    add(r);
  }

  var TURN_CONTENT = { chunk: 1, status: 1, prompts: 1, transcript: 1, interaction: 1 };

  function handle(event, data) {
    if (state.stopped && TURN_CONTENT[event]) return;
    if (event === "chunk") {
      statusLine.textContent = "";
      var prev = state.reply ? state.reply.text : "";
      if (data.chunk_type === "start") replyText(data.content || "");
      else if (data.chunk_type === "replace") replyText(data.content || "");
      else replyText(prev + (data.content || ""));
      if (data.chunk_type === "end") endReply();
    } else if (event === "status") {
      var label = data.message || (data.status ? data.status.charAt(0).toUpperCase() + data.status.slice(1) + "…" : "");
      statusLine.textContent = (data.emoji ? data.emoji + " " : "") + label;
    } else if (event === "prompts") {
      showPrompts(data.prompts || []);
    } else if (event === "transcript") {
      var r = row("user");
      r.append(el("div", "note", "Heard: " + data.text));
      add(r);
    } else if (event === "interaction") {
      endReply();
      statusLine.textContent = "Waiting for your answer";
      var fr = row("agent");
      var conversation = state.current;
      fr.append(buildForm(data, function (action, content) {
        var path = "/api/conversations/" + encodeURIComponent(conversation) + "/renderables/" + encodeURIComponent(data.id);
        return post(path, { action: action, content: content }).then(function (res) {
          statusLine.textContent = "";
          if (res.ok && state.running && !state.reply) startReply();
          return res.ok;
        }, function () { return false; });
      }));
      add(fr);
    } else if (event === "finish") {
      endReply();
      setRunning(false);
    } else if (event === "error") {
      endReply();
      setRunning(false);
      showError(data);
    }
  }

  function dispatch(s, event, data) {
    if (s === state.stream) handle(event, data);
  }

  // The stream broke (the sidecar went away) while a reply ran: end the reply
  // with an error and let the user send again; the reader keeps reconnecting.
  function streamBroke(s) {
    if (s !== state.stream || !state.running) return;
    state.stopped = true;
    endReply("Interrupted");
    setRunning(false);
    showError({ message: "The connection to the sidecar broke during the reply.", retryable: true });
  }

  function openConversationStream(id) { return openStream(id, dispatch, streamBroke); }

  function closeStream() {
    if (!state.stream) return;
    state.stream.closed = true;
    state.stream.abort.abort();
    state.stream = null;
  }

  function reset(title) {
    closeStream();
    state.reply = null;
    setRunning(false);
    messagesEl.replaceChildren(emptyEl);
    emptyEl.hidden = false;
    titleEl.textContent = title;
  }

  async function select(id) {
    var c = state.conversations.find(function (x) { return x.id === id; });
    state.current = id;
    reset(c ? c.title : "Conversation");
    renderList();
    state.stream = openConversationStream(id);
    try {
      var res = await fetch(convPath("/history"));
      var history = await res.json();
      (history.messages || []).forEach(function (m) {
        var agent = (m.platform_data && m.platform_data.role === "agent") || (m.user && m.user.id === "agent");
        if (!agent) { userBubble(m.content || ""); return; }
        var b = agentBubble(m.content || "");
        if (m.platform_data && m.platform_data.stopped === "true") {
          b.classList.add("stopped");
          b.parentElement.append(el("div", "meta", "Stopped"));
        }
      });
      scroll(true);
    } catch (e) { /* an empty history is fine */ }
    input.focus();
  }

  function newChat() {
    state.current = null;
    reset("New chat");
    renderList();
    input.focus();
  }

  // Opens the conversation (created with this title when there is none) and
  // its stream, shows the user's bubble, and waits for the reply.
  async function beginTurn(title, bubble) {
    if (!state.current) {
      var created = await (await post("/api/conversations")).json();
      state.current = created.conversation_id;
      state.conversations.unshift({ id: state.current, title: title.slice(0, 48), created_at: created.created_at });
      save();
      renderList();
      titleEl.textContent = title.slice(0, 48);
      state.stream = openConversationStream(state.current);
    }
    if (!state.stream) state.stream = openConversationStream(state.current);
    await state.stream.ready;
    clearChips();
    userBubble(bubble);
    state.stopped = false;
    setRunning(true);
    startReply();
    scroll(true);
  }

  // A message sent while a reply runs supersedes it: the reply is stopped first.
  async function send(text) {
    text = (text || "").trim();
    if (!text) return;
    await deliver(text, text, function () { return post(convPath("/messages"), { content: text }); });
    state.lastUser = text;
  }

  function sendVoice(blob, seconds) {
    var headers = { "content-type": blob.type || "audio/webm" };
    return deliver("Voice message", "Voice message \u00B7 " + seconds.toFixed(1) + " s", function () {
      return fetch(convPath("/audio"), { method: "POST", headers: headers, body: blob });
    });
  }

  async function deliver(title, bubble, request) {
    try {
      if (state.running) await stop();
      await beginTurn(title, bubble);
      afterPost(await request());
    } catch (e) {
      endReply();
      setRunning(false);
      showError({ message: "The sidecar cannot be reached; try again once it is back." });
    }
  }

  function afterPost(res) {
    if (res.ok) return;
    endReply();
    setRunning(false);
    if (res.status === 409) showError({ message: "A reply is still running in this conversation." });
    else if (res.status !== 424) showError({ message: "The message could not be sent (" + res.status + ").", retryable: true });
  }

  async function stop() {
    if (!state.running || !state.current) return;
    if (state.stream) state.stream.quick = true;
    state.stopped = true;
    endReply("Stopped");
    setRunning(false);
    await post(convPath("/cancel"));
    input.focus();
  }

  async function pollHealth() {
    try {
      var h = await (await fetch("/health")).json();
      agentEl.dataset.connected = String(!!h.agent_connected);
      agentEl.querySelector(".agent-label").textContent = h.agent_connected ? "Agent connected" : "No agent connected";
    } catch (e) {
      agentEl.dataset.connected = "false";
      agentEl.querySelector(".agent-label").textContent = "Sidecar unreachable";
    }
  }

  function autosize() { input.style.height = "auto"; input.style.height = Math.min(input.scrollHeight, 200) + "px"; }

  composer.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    autosize();
    send(text);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); composer.requestSubmit(); }
    else if (ev.key === "Escape" && state.running) { ev.preventDefault(); stop(); }
  });
  function setSidebar(open) {
    app.dataset.sidebar = open ? "open" : "closed";
    sidebarToggle.setAttribute("aria-expanded", String(open));
  }
  sidebarToggle.addEventListener("click", function () { setSidebar(app.dataset.sidebar !== "open"); });
  listEl.addEventListener("click", function () { setSidebar(false); });
  document.querySelector(".chat").addEventListener("click", function (ev) {
    if (app.dataset.sidebar === "open" && !sidebarToggle.contains(ev.target)) setSidebar(false);
  });
  $("new-chat").addEventListener("click", function () { setSidebar(false); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && app.dataset.sidebar === "open") { setSidebar(false); sidebarToggle.focus(); }
  });
  input.addEventListener("input", autosize);
  stopBtn.addEventListener("click", stop);
  createVoiceRecorder($("mic"), sendVoice);
  $("new-chat").addEventListener("click", newChat);
  renderList();
  pollHealth();
  setInterval(pollHealth, 4000);
  if (state.conversations.length > 0) select(state.conversations[0].id);
})();
`;

/** The script served at `/chat.js`: the form builder, the SSE reader, then the chat. */
export const PAGE_SCRIPT = `${FORM_SCRIPT}\n${STREAM_SCRIPT}\n${AUDIO_SCRIPT}\n${MAIN_SCRIPT}`;
