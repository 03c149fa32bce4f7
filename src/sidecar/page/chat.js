// @ts-check
/**
 * The chat page's main script: conversations kept in localStorage, an SSE
 * reader with `Last-Event-ID` reconnects, streaming reply bubbles, status
 * line, stop, suggested prompts, retryable errors, forms and voice messages.
 */
import { createVoiceRecorder } from "./chat-audio.js";
import { buildForm } from "./chat-form.js";
import { expectEnd, openStream } from "./chat-stream.js";
import { el, parseJson } from "./chat-util.js";

const STORE_KEY = "agentwire.dev.conversations";
/**
 * The page's element of an id (the HTML document has every one the script uses).
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const listEl = $("conversation-list"),
  messagesEl = $("messages"),
  emptyEl = $("empty");
const input = /** @type {HTMLTextAreaElement} */ ($("input")),
  sendBtn = /** @type {HTMLButtonElement} */ ($("send")),
  stopBtn = /** @type {HTMLButtonElement} */ ($("stop")),
  composer = /** @type {HTMLFormElement} */ ($("composer"));
const statusLine = $("status-line"),
  titleEl = $("chat-title"),
  agentEl = $("agent-state");
const filesEl = $("files"),
  fileInput = /** @type {HTMLInputElement} */ ($("file-input"));
const sidebarToggle = $("sidebar-toggle"),
  app = /** @type {HTMLElement} */ (document.querySelector(".app"));
/**
 * The page's state. stopped: the user stopped the reply (or its stream
 * broke): its late content never renders.
 * @type {{
 *   conversations: { id: string, title?: string, created_at?: string }[],
 *   current: string | null,
 *   stream: import("./chat-stream.js").EventStream | null,
 *   running: boolean,
 *   stopped: boolean,
 *   reply: { bubble: HTMLElement, text: string } | null,
 *   lastUser: string,
 *   files: { key: string, filename: string }[],
 * }}
 */
const state = {
  conversations: load(),
  current: null,
  stream: null,
  running: false,
  stopped: false,
  reply: null,
  lastUser: "",
  files: [],
};

function load() {
  const v = parseJson(localStorage.getItem(STORE_KEY), []);
  return Array.isArray(v) ? v : [];
}
function save() {
  localStorage.setItem(STORE_KEY, JSON.stringify(state.conversations.slice(0, 50)));
}
// Always JSON: the sidecar refuses a state change without a preflighted content type.
function post(path, body) {
  const init = { method: "POST", headers: { "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return fetch(path, init);
}
function convPath(suffix) {
  return `/api/conversations/${encodeURIComponent(/** @type {string} */ (state.current))}${suffix}`;
}
function nearBottom() {
  return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 80;
}
function scroll(force) {
  if (force || nearBottom()) messagesEl.scrollTop = messagesEl.scrollHeight;
}
function add(node) {
  const stick = nearBottom();
  emptyEl.hidden = true;
  messagesEl.append(node);
  scroll(stick);
  return node;
}

function renderList() {
  listEl.replaceChildren();
  state.conversations.forEach((c) => {
    const item = el("div", "conversation-item");
    const b = el("button", "conversation", c.title || "Untitled");
    b.type = "button";
    b.title = c.title || "";
    if (c.id === state.current) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => {
      select(c.id);
    });
    const del = el("button", "conversation-delete", "×");
    del.type = "button";
    del.title = "Delete";
    del.setAttribute("aria-label", `Delete ${c.title || "this conversation"}`);
    del.addEventListener("click", (ev) => {
      ev.stopPropagation();
      deleteConversation(c.id);
    });
    item.append(b, del);
    listEl.append(item);
  });
}

// The sidecar's list (conversations of every client, titled by their first
// message) merged with this browser's own: those the sidecar does not list
// (just created, or from before a restart) stay on top.
async function syncList() {
  try {
    const body = await (await fetch("/api/chat/conversations?limit=50")).json();
    const server = (body.conversations || []).map((c) => ({
      id: c.conversation_id,
      title: c.title,
      created_at: c.created_at,
    }));
    const listed = new Set(server.map((c) => c.id));
    state.conversations = state.conversations.filter((c) => !listed.has(c.id)).concat(server);
    save();
    renderList();
  } catch (_e) {
    /* the local list stays */
  }
}

async function deleteConversation(id) {
  try {
    await fetch(`/api/chat/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch (_e) {
    /* forgotten here in any case */
  }
  state.conversations = state.conversations.filter((c) => c.id !== id);
  save();
  if (state.current === id) newChat();
  else renderList();
}

function row(role) {
  return el("div", `row ${role}`);
}
function userBubble(text, fileNames) {
  const r = row("user");
  const b = el("div", "bubble", text);
  if (fileNames && fileNames.length > 0)
    b.append(el("span", "file-names", `📎 ${fileNames.join(", ")}`));
  r.append(b);
  return add(r);
}
function agentBubble(text) {
  const r = row("agent");
  const b = el("div", "bubble", text);
  r.append(b);
  add(r);
  return b;
}

function setRunning(running) {
  state.running = running;
  stopBtn.hidden = !running;
  sendBtn.hidden = running;
  if (!running) statusLine.textContent = "";
}

function clearChips() {
  messagesEl.querySelectorAll(".chips").forEach((c) => {
    c.remove();
  });
}

function startReply() {
  const b = agentBubble("");
  b.classList.add("pending");
  const dots = el("span", "typing");
  dots.append(el("span"), el("span"), el("span"));
  dots.setAttribute("aria-label", "The agent is replying");
  b.append(dots);
  state.reply = { bubble: b, text: "" };
}

function replyText(text) {
  if (!state.reply) startReply();
  const r = /** @type {NonNullable<typeof state.reply>} */ (state.reply);
  r.text = text;
  r.bubble.classList.remove("pending");
  r.bubble.classList.add("streaming");
  r.bubble.textContent = text;
  scroll(false);
}

function endReply(note) {
  const r = state.reply;
  state.reply = null;
  if (!r) return;
  r.bubble.classList.remove("streaming");
  if (r.text === "") r.bubble.parentElement?.remove();
  else if (note) {
    r.bubble.classList.add("stopped");
    r.bubble.parentElement?.append(el("div", "meta", note));
  }
}

function showError(data) {
  const card = el("div", "error-card");
  card.setAttribute("role", "alert");
  card.append(el("span", "", data.message || data.code || "Something went wrong"));
  if (data.retryable && state.lastUser) {
    const retry = el("button", "", "Retry");
    retry.type = "button";
    retry.addEventListener("click", () => {
      card.remove();
      send(state.lastUser);
    });
    card.append(retry);
  }
  const r = row("agent");
  r.append(card);
  add(r);
}

function showPrompts(prompts) {
  clearChips();
  const chips = el("div", "chips");
  prompts.forEach((p) => {
    const chip = el("button", "chip", p.title || p.message);
    chip.type = "button";
    if (p.description) chip.title = p.description;
    chip.addEventListener("click", () => {
      send(p.message || p.title);
    });
    chips.append(chip);
  });
  const r = row("agent");
  r.append(chips);
  add(r);
}

const TURN_CONTENT = { chunk: 1, status: 1, prompts: 1, transcript: 1, interaction: 1 };

function handle(event, data) {
  if (state.stopped && TURN_CONTENT[event]) return;
  if (event === "chunk") {
    statusLine.textContent = "";
    const prev = state.reply ? state.reply.text : "";
    if (data.chunk_type === "start") replyText(data.content || "");
    else if (data.chunk_type === "replace") replyText(data.content || "");
    else replyText(prev + (data.content || ""));
    if (data.chunk_type === "end") endReply();
  } else if (event === "status") {
    // `status` is the enum name (THINKING, SEARCHING, ...): shown as "Thinking…".
    const name = String(data.status || "").toLowerCase();
    const label = data.message || (name ? `${name.charAt(0).toUpperCase() + name.slice(1)}…` : "");
    statusLine.textContent = (data.emoji ? `${data.emoji} ` : "") + label;
  } else if (event === "prompts") {
    showPrompts(data.prompts || []);
  } else if (event === "transcript") {
    const r = row("user");
    r.append(el("div", "note", `Heard: ${data.text}`));
    add(r);
  } else if (event === "interaction") {
    endReply();
    statusLine.textContent = "Waiting for your answer";
    const fr = row("agent");
    const conversation = state.current;
    fr.append(
      buildForm(data, (action, content) => {
        const path =
          "/api/conversations/" +
          encodeURIComponent(/** @type {string} */ (conversation)) +
          "/interactions/" +
          encodeURIComponent(data.id);
        return post(path, { action: action, content: content }).then(
          (res) => {
            statusLine.textContent = "";
            if (res.ok && state.running && !state.reply) startReply();
            return res.ok;
          },
          () => false,
        );
      }),
    );
    add(fr);
  } else if (event === "injected") {
    // A message the agent put into the conversation on its own.
    if (data.content) agentBubble(data.content);
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

function openConversationStream(id) {
  return openStream(id, dispatch, streamBroke);
}

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
  const c = state.conversations.find((x) => x.id === id);
  state.current = id;
  reset(c ? c.title : "Conversation");
  renderList();
  state.stream = openConversationStream(id);
  try {
    const res = await fetch(convPath("/history"));
    const history = await res.json();
    (history.messages || []).forEach((m) => {
      const agent =
        (m.platform_data && m.platform_data.role === "agent") || (m.user && m.user.id === "agent");
      if (!agent) {
        userBubble(
          m.content || "",
          (m.attachments || []).map((a) => a.filename),
        );
        return;
      }
      const b = agentBubble(m.content || "");
      if (m.platform_data && m.platform_data.stopped === "true") {
        b.classList.add("stopped");
        b.parentElement.append(el("div", "meta", "Stopped"));
      }
    });
    scroll(true);
  } catch (_e) {
    /* an empty history is fine */
  }
  input.focus();
}

// Set once the user asks for a new chat, so the first list sync does not open an old one instead.
let choseNewChat = false;

function newChat() {
  choseNewChat = true;
  state.current = null;
  reset("New chat");
  renderList();
  input.focus();
}

// Opens the conversation (created with this title when there is none) and
// its stream.
async function openConversation(title) {
  if (!state.current) {
    const created = await (await post("/api/conversations")).json();
    const id = /** @type {string} */ (created.conversation_id);
    state.current = id;
    state.conversations.unshift({
      id: state.current,
      title: title.slice(0, 48),
      created_at: created.created_at,
    });
    save();
    renderList();
    titleEl.textContent = title.slice(0, 48);
    state.stream = openConversationStream(state.current);
  }
  if (!state.stream) state.stream = openConversationStream(state.current);
  await state.stream.ready;
}

// Opens the conversation, shows the user's bubble, and waits for the reply.
async function beginTurn(title, bubble, fileNames) {
  await openConversation(title);
  clearChips();
  userBubble(bubble, fileNames);
  state.stopped = false;
  setRunning(true);
  startReply();
  scroll(true);
}

// A message sent while a reply runs supersedes it: the reply is stopped first.
// Files attached in the composer go with it, named by their files-API keys.
async function send(text) {
  text = (text || "").trim();
  if (!text) return;
  const files = state.files.splice(0);
  renderFiles();
  const body = files.length
    ? { content: text, attachments: files.map((f) => ({ key: f.key })) }
    : { content: text };
  const names = files.map((f) => f.filename);
  await deliver(text, text, () => post(convPath("/messages"), body), names);
  state.lastUser = text;
}

// A voice message streams over the audio socket while it is recorded.
const voice = {
  async begin() {
    if (state.running) await stop();
    await openConversation("Voice message");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${convPath("/audio")}`;
  },
  sent(seconds) {
    beginTurn("Voice message", `Voice message · ${seconds.toFixed(1)} s`);
  },
  failed(error) {
    endReply();
    setRunning(false);
    // No agent: the stream's AGENT_UNAVAILABLE event already shows it.
    if (error.code !== "agent_unavailable") showError({ message: error.message });
  },
};

function renderFiles() {
  filesEl.replaceChildren();
  filesEl.hidden = state.files.length === 0;
  state.files.forEach((f) => {
    const chip = el("span", "file-chip", f.filename);
    const remove = el("button", "", "×");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${f.filename}`);
    remove.addEventListener("click", () => {
      state.files = state.files.filter((x) => x !== f);
      renderFiles();
    });
    chip.append(remove);
    filesEl.append(chip);
  });
}

// Uploads each chosen file to the files API at once; the message names them by key.
async function attachFiles(list) {
  for (const file of Array.from(list)) {
    const form = new FormData();
    form.set("file", file, file.name);
    try {
      const res = await fetch("/api/files", { method: "POST", body: form });
      if (!res.ok) throw new Error(String(res.status));
      const meta = await res.json();
      state.files.push({ key: meta.key, filename: meta.filename });
    } catch (_e) {
      showError({ message: `${file.name} could not be uploaded.` });
    }
  }
  renderFiles();
}

async function deliver(title, bubble, request, fileNames) {
  try {
    if (state.running) await stop();
    await beginTurn(title, bubble, fileNames);
    afterPost(await request());
  } catch (_e) {
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
  else if (res.status !== 424)
    showError({ message: `The message could not be sent (${res.status}).`, retryable: true });
}

// The sidecar ends the conversation's streams on a cancel: that end is no
// break, and a message sent next waits until the stream is back.
async function stop() {
  if (!state.running || !state.current) return;
  const expected = state.stream ? expectEnd(state.stream, 3000) : undefined;
  state.stopped = true;
  endReply("Stopped");
  setRunning(false);
  const res = await post(convPath("/cancel"));
  if (res.ok && expected) await expected.reconnected;
  input.focus();
}

async function pollHealth() {
  try {
    const h = await (await fetch("/health")).json();
    agentEl.dataset.connected = String(!!h.agent_connected);
    /** @type {Element} */ (agentEl.querySelector(".agent-label")).textContent = h.agent_connected
      ? "Agent connected"
      : "No agent connected";
  } catch (_e) {
    agentEl.dataset.connected = "false";
    /** @type {Element} */ (agentEl.querySelector(".agent-label")).textContent =
      "Sidecar unreachable";
  }
}

function autosize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

composer.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  autosize();
  send(text);
});
input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    composer.requestSubmit();
  } else if (ev.key === "Escape" && state.running) {
    ev.preventDefault();
    stop();
  }
});
function setSidebar(open) {
  app.dataset.sidebar = open ? "open" : "closed";
  sidebarToggle.setAttribute("aria-expanded", String(open));
}
sidebarToggle.addEventListener("click", () => {
  setSidebar(app.dataset.sidebar !== "open");
});
listEl.addEventListener("click", () => {
  setSidebar(false);
});
/** @type {Element} */ (document.querySelector(".chat")).addEventListener("click", (ev) => {
  if (
    app.dataset.sidebar === "open" &&
    !sidebarToggle.contains(/** @type {Node | null} */ (ev.target))
  )
    setSidebar(false);
});
$("new-chat").addEventListener("click", () => {
  setSidebar(false);
});
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && app.dataset.sidebar === "open") {
    setSidebar(false);
    sidebarToggle.focus();
  }
});
input.addEventListener("input", autosize);
$("attach").addEventListener("click", () => {
  fileInput.click();
});
fileInput.addEventListener("change", () => {
  const list = fileInput.files;
  if (list && list.length > 0) attachFiles(list).then(() => (fileInput.value = ""));
});
stopBtn.addEventListener("click", stop);
createVoiceRecorder($("mic"), voice);
$("new-chat").addEventListener("click", newChat);
renderList();
pollHealth();
setInterval(pollHealth, 4000);
syncList().then(() => {
  if (state.conversations.length > 0 && state.current === null && !choseNewChat)
    select(state.conversations[0].id);
});
// A module script can run after the browser's autofocus pass: focus the composer as `autofocus` asks.
if (document.activeElement === document.body || document.activeElement === null) input.focus();
