/**
 * The chat page's stylesheet: a calm two-pane layout, message bubbles,
 * light and dark themes from `prefers-color-scheme`, visible keyboard focus.
 *
 * @module
 */

/** The stylesheet served at `/chat.css`. */
export const PAGE_STYLE = `:root {
  --bg: #f6f7f9; --panel: #ffffff; --sidebar: #eef0f4; --text: #1c2026; --muted: #68707d;
  --border: #e2e5ea; --accent: #5b5bd6; --accent-2: #7c6cf0; --accent-text: #ffffff;
  --user-from: #5b5bd6; --user-to: #5d4bd1;
  --bubble: #ffffff; --error: #c93a3a; --error-bg: #fdf0f0; --chip: #f0f0fe; --ok: #2f9e6a;
  --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  --radius: 16px; font-size: 15px;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1014; --panel: #14171c; --sidebar: #101217; --text: #e7e9ee; --muted: #8d95a3;
    --border: #252a33; --accent: #7b7bf0; --accent-2: #9a8cff; --bubble: #1b1f26;
    --user-from: #4f4fc9; --user-to: #6047d1;
    --error: #ff7b7b; --error-bg: #2a1618; --chip: #1f2130; --ok: #4cc38a;
    --shadow: 0 1px 2px rgba(0, 0, 0, .4);
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body {
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
  background: var(--bg); color: var(--text); line-height: 1.5; -webkit-font-smoothing: antialiased;
}
button, textarea, input, select { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.app { display: grid; grid-template-columns: 260px 1fr; height: 100%; }
.sidebar {
  background: var(--sidebar); border-right: 1px solid var(--border); display: flex;
  flex-direction: column; padding: 16px 12px; gap: 12px; min-height: 0;
}
.brand { display: flex; align-items: center; gap: 8px; padding: 4px 8px; font-weight: 650; }
.logo { color: var(--accent); font-size: 18px; }
.brand-tag {
  font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em;
  color: var(--accent); background: var(--chip); border-radius: 999px; padding: 1px 8px;
}
.new-chat {
  display: flex; align-items: center; gap: 8px; justify-content: center; padding: 9px 12px;
  border: 1px solid var(--border); background: var(--panel); border-radius: 10px; cursor: pointer;
  font-weight: 550; box-shadow: var(--shadow);
}
.new-chat:hover { border-color: var(--accent); }
.conversation-list { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 2px; }
.conversation {
  text-align: left; border: 0; background: transparent; padding: 8px 10px; border-radius: 8px;
  cursor: pointer; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
.conversation:hover { background: var(--panel); color: var(--text); }
.conversation[aria-current="true"] { background: var(--panel); color: var(--text); font-weight: 550; box-shadow: var(--shadow); }
.agent-state { display: flex; align-items: center; gap: 8px; font-size: 13px; color: var(--muted); padding: 4px 8px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.agent-state[data-connected="true"] .dot { background: var(--ok); box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 25%, transparent); }
.chat { display: flex; flex-direction: column; min-width: 0; min-height: 0; background: var(--bg); }
.chat-header {
  display: flex; align-items: baseline; gap: 12px; padding: 14px 24px;
  border-bottom: 1px solid var(--border); background: var(--panel);
}
.sidebar-toggle {
  display: none; width: 36px; height: 36px; margin: -6px 0; border-radius: 10px; border: 1px solid var(--border);
  background: transparent; place-items: center; cursor: pointer; flex: none; align-self: center;
}
.chat-header h1 { font-size: 16px; margin: 0; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status-line { font-size: 13px; color: var(--muted); }
.status-line:not(:empty)::before {
  content: ""; display: inline-block; width: 6px; height: 6px; border-radius: 50%;
  background: var(--accent); margin-right: 6px; vertical-align: middle; animation: pulse 1.2s infinite;
}
.messages { flex: 1; overflow-y: auto; padding: 24px max(24px, calc((100% - 760px) / 2)); display: flex; flex-direction: column; gap: 14px; }
.empty { margin: auto; text-align: center; max-width: 420px; color: var(--muted); }
.empty h2 { color: var(--text); margin: 8px 0; font-size: 22px; font-weight: 650; }
.empty-mark {
  font-size: 28px; width: 56px; height: 56px; margin: 0 auto; display: grid; place-items: center;
  border-radius: 16px; color: var(--accent-text); background: linear-gradient(135deg, var(--accent), var(--accent-2));
}
.hint { font-size: 13px; }
kbd { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 5px; padding: 0 5px; background: var(--panel); }
.row { display: flex; flex-direction: column; gap: 6px; max-width: 100%; }
.row.user { align-items: flex-end; }
.row.agent { align-items: flex-start; }
.bubble {
  max-width: min(640px, 85%); padding: 10px 14px; border-radius: var(--radius);
  white-space: pre-wrap; overflow-wrap: anywhere; box-shadow: var(--shadow);
}
.user .bubble { background: linear-gradient(135deg, var(--user-from), var(--user-to)); color: var(--accent-text); border-bottom-right-radius: 6px; }
.agent .bubble { background: var(--bubble); border: 1px solid var(--border); border-bottom-left-radius: 6px; }
.bubble.streaming::after { content: "▍"; color: var(--accent); animation: blink 1s steps(2) infinite; margin-left: 1px; }
.bubble.stopped { opacity: .75; }
.meta { font-size: 12px; color: var(--muted); padding: 0 6px; }
.typing { display: inline-flex; gap: 4px; padding: 4px 2px; }
.typing span { width: 6px; height: 6px; border-radius: 50%; background: var(--muted); animation: bounce 1.2s infinite; }
.typing span:nth-child(2) { animation-delay: .15s; } .typing span:nth-child(3) { animation-delay: .3s; }
.error-card {
  display: flex; align-items: center; gap: 12px; max-width: min(640px, 85%); padding: 10px 14px;
  border-radius: 12px; background: var(--error-bg); color: var(--error);
  border: 1px solid color-mix(in srgb, var(--error) 35%, transparent); font-size: 14px;
}
.error-card button, .form-actions button, .chip {
  border-radius: 999px; border: 1px solid var(--border); background: var(--panel); padding: 5px 12px; cursor: pointer; font-size: 13px;
}
.error-card button { border-color: currentColor; color: var(--error); background: transparent; white-space: nowrap; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; }
.chip { background: var(--chip); border-color: transparent; color: var(--accent); font-weight: 550; }
.chip:hover { border-color: var(--accent); }
.note { font-size: 13px; color: var(--muted); font-style: italic; }
.form-card {
  width: min(480px, 85%); background: var(--bubble); border: 1px solid var(--border); border-radius: var(--radius);
  padding: 14px 16px; box-shadow: var(--shadow); display: flex; flex-direction: column; gap: 10px;
}
.form-card p { margin: 0; font-weight: 550; }
.field { display: flex; flex-direction: column; gap: 4px; font-size: 14px; }
.field.check { flex-direction: row; align-items: center; gap: 8px; }
.field small { color: var(--muted); }
.req { color: var(--error); margin-left: 2px; }
.field input:not([type=checkbox]), .field select {
  border: 1px solid var(--border); border-radius: 8px; padding: 7px 10px; background: var(--panel);
}
.form-actions { display: flex; gap: 8px; justify-content: flex-end; }
.form-actions .primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
.form-card[data-answered] { opacity: .7; }
.composer {
  display: flex; align-items: flex-end; gap: 8px; margin: 0 max(24px, calc((100% - 760px) / 2)) 20px;
  padding: 8px 8px 8px 16px; background: var(--panel); border: 1px solid var(--border);
  border-radius: 20px; box-shadow: var(--shadow);
}
.composer:focus-within { border-color: var(--accent); }
.composer textarea {
  flex: 1; border: 0; outline: none; resize: none; background: transparent; padding: 7px 0;
  max-height: 200px; line-height: 1.45;
}
.send, .stop {
  width: 36px; height: 36px; border-radius: 12px; border: 0; display: grid; place-items: center;
  cursor: pointer; background: var(--accent); color: var(--accent-text); flex: none;
}
.send:disabled { opacity: .4; cursor: default; }
.stop { background: var(--text); color: var(--panel); }
.mic {
  width: 36px; height: 36px; border-radius: 12px; border: 1px solid var(--border); display: grid;
  place-items: center; cursor: pointer; background: transparent; color: var(--muted); flex: none;
}
.mic:hover { color: var(--text); }
.mic[data-recording="true"] { background: #dc2626; border-color: #dc2626; color: #fff; animation: pulse 1.2s infinite; }
.mic[data-error="true"] { opacity: .4; }
@keyframes blink { 50% { opacity: 0; } }
@keyframes pulse { 50% { opacity: .3; } }
@keyframes bounce { 0%, 60%, 100% { transform: translateY(0); opacity: .5; } 30% { transform: translateY(-4px); opacity: 1; } }
@media (max-width: 720px) {
  .app { grid-template-columns: 1fr; }
  .sidebar { display: none; }
  .sidebar-toggle { display: grid; }
  .chat-header { align-items: center; padding: 12px 16px; }
  .app[data-sidebar="open"] .sidebar {
    display: flex; position: fixed; inset: 0 auto 0 0; width: min(300px, 85vw); z-index: 10;
    box-shadow: 0 0 0 100vmax rgba(0, 0, 0, .35);
  }
  .messages { padding: 16px; }
  .composer { margin: 0 12px 12px; }
}
@media (prefers-reduced-motion: reduce) { * { animation: none !important; } }
`;
