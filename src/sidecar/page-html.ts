/**
 * The chat page's HTML document: the layout skeleton the script fills in
 * (conversation list, message list, status line, composer).
 *
 * @module
 */

/** The chat page served at `/`. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>agentwire · dev chat</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/chat.css">
<script src="/chat.js" defer></script>
</head>
<body>
<div class="app">
  <aside class="sidebar" id="sidebar" aria-label="Conversations">
    <div class="brand">
      <span class="logo" aria-hidden="true">◆</span>
      <span class="brand-name">agentwire</span>
      <span class="brand-tag">dev</span>
    </div>
    <button type="button" class="new-chat" id="new-chat">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M12 5v14M5 12h14" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/></svg>
      New chat
    </button>
    <nav class="conversation-list" id="conversation-list" aria-label="Your conversations"></nav>
    <div class="agent-state" id="agent-state" role="status">
      <span class="dot" aria-hidden="true"></span><span class="agent-label">Checking agent…</span>
    </div>
  </aside>
  <main class="chat">
    <header class="chat-header">
      <button type="button" class="sidebar-toggle" id="sidebar-toggle" aria-controls="sidebar" aria-expanded="false" aria-label="Conversations" title="Conversations">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M4 7h16M4 12h16M4 17h16" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
      </button>
      <h1 id="chat-title">New chat</h1>
      <span class="status-line" id="status-line" role="status" aria-live="polite"></span>
    </header>
    <section class="messages" id="messages" aria-live="polite" aria-label="Messages">
      <div class="empty" id="empty">
        <div class="empty-mark" aria-hidden="true">◆</div>
        <h2>Talk to your agent</h2>
        <p>Messages go to the agent connected to this sidecar over gRPC.
        Replies stream in as they are written.</p>
        <p class="hint"><kbd>Enter</kbd> sends · <kbd>Shift</kbd>+<kbd>Enter</kbd> adds a line</p>
      </div>
    </section>
    <form class="composer" id="composer" autocomplete="off">
      <label class="visually-hidden" for="input">Message</label>
      <textarea id="input" rows="1" placeholder="Message your agent…" autofocus></textarea>
      <button type="button" class="mic" id="mic" aria-label="Record a voice message" aria-pressed="false" title="Record a voice message" hidden>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M12 14a3 3 0 0 0 3-3V6a3 3 0 0 0-6 0v5a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z" fill="currentColor"/></svg>
      </button>
      <button type="submit" class="send" id="send" aria-label="Send message" title="Send (Enter)">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M4 12l16-8-6 16-2.5-6.5L4 12z" fill="currentColor"/></svg>
      </button>
      <button type="button" class="stop" id="stop" aria-label="Stop the reply" title="Stop" hidden>
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor"/></svg>
      </button>
    </form>
  </main>
</div>
</body>
</html>
`;
