/**
 * Live audio for the web chat: `GET /api/conversations/{id}/audio` upgraded
 * to a WebSocket. The client sends an `audio.config` JSON message, binary
 * audio chunks in order, then `audio.end`; the sidecar forwards each piece to
 * the agent as it arrives (`audio_config`, `audio_chunk` 1, 2, ..., the
 * `done` chunk and the "[audio]" placeholder, spec item 5), so the agent
 * hears the user while they speak.
 *
 * @module
 */
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { audioPlaceholderContent } from "../audio/audio-filetype.js";
import type { AgentLink } from "../sidecar-core/agent-link.js";
import {
  incomingMessageFrame,
  type VoiceStream,
  voiceStream,
} from "../sidecar-core/user-frames.js";
import { AUDIO_CHUNK_BYTES, AudioFormatError } from "./audio-ingest.js";
import {
  AUDIO_SOCKET_CLOSE_CODES,
  type AudioSocketErrorCode,
  type AudioSocketReply,
  audioConfigOf,
  bytesOf,
} from "./audio-socket-messages.js";
import { audioAccepted, isAudioPath } from "./audio-upload.js";
import { type Chat, type SendResult, WEB_USER_DEFAULTS } from "./chat.js";
import type { Conversation, ConversationStore } from "./conversations.js";
import { refuseCrossSite } from "./cross-site.js";
import { HttpError, isLoopbackHostHeader } from "./http-util.js";
import { conversationIdOf } from "./web-api.js";

/** Parts the live-audio route works with. */
export interface AudioSocketParts {
  /** A socket silent this many milliseconds (waiting for `audio.config` too) is closed. */
  readonly audioIdleTimeoutMs: number;
  /** Most sockets open at once. */
  readonly maxAudioSockets: number;
  /** Conversations. */
  readonly store: ConversationStore;
  /** The chat core: turns begin and are stopped through it. */
  readonly chat: Chat;
  /** The agent link the audio frames go to. */
  readonly link: AgentLink;
  /** Most audio bytes one socket may send (the POST route's limit). */
  readonly maxAudioBytes: number;
  /** Answer only `localhost`/loopback Host headers. */
  readonly loopbackOnly: boolean;
  /** The one other origin let in (`--cors-origin`), if any. */
  readonly corsOrigin?: string | undefined;
}

/** The live-audio WebSockets of one web server. */
export interface AudioSockets {
  /** The web server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sockets open now. */
  readonly count: number;
  /** Terminates every socket and refuses new ones (shutdown never waits for a client). */
  close(): void;
}

interface Session {
  readonly ws: WebSocket;
  /** Looked up again at `audio.config`: an idle conversation may have been forgotten meanwhile. */
  conversation: Conversation;
  timer: NodeJS.Timeout | undefined;
  closed: boolean;
  /** Set from `audio.config` until `audio.end`: the voice message being streamed. */
  voice: VoiceStream | undefined;
  sent: Extract<SendResult, { kind: "sent" }> | undefined;
  streamId: number | undefined;
  bytes: number;
}

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
function refuseUpgrade(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: error.code, message: error.message });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n` +
      "content-type: application/json; charset=utf-8\r\n" +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Creates the live-audio route; wire `handleUpgrade` to the server's `upgrade` event. */
export function createAudioSockets(parts: AudioSocketParts): AudioSockets {
  const { store, chat, link } = parts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: AUDIO_CHUNK_BYTES });
  const sessions = new Set<Session>();
  const busy = new Set<string>();
  let closed = false;

  function send(s: Session, message: AudioSocketReply): void {
    s.ws.send(JSON.stringify(message));
  }

  function release(s: Session): void {
    clearTimeout(s.timer);
    if (sessions.delete(s)) busy.delete(s.conversation.id);
  }

  /** Stops the turn this socket began, if it still runs: the agent gets a STOP for the partial audio. */
  function abandonTurn(s: Session): void {
    const voice = s.voice;
    s.voice = undefined;
    if (voice && s.conversation.turn?.responseId === voice.messageId) {
      chat.cancel(s.conversation);
    }
  }

  function fail(s: Session, code: AudioSocketErrorCode, message: string): void {
    if (s.closed) return;
    send(s, { type: "error", code, message });
    abandonTurn(s);
    s.closed = true;
    release(s);
    s.ws.close(AUDIO_SOCKET_CLOSE_CODES[code], code);
  }

  function arm(s: Session): void {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      const seconds = parts.audioIdleTimeoutMs / 1000;
      if (s.voice) fail(s, "idle_timeout", `no audio arrived for ${seconds} s`);
      else fail(s, "config_timeout", `no audio.config arrived within ${seconds} s`);
    }, parts.audioIdleTimeoutMs);
    s.timer.unref();
  }

  /** Whether the socket's turn can still take audio; fails the socket when not. */
  function live(s: Session, voice: VoiceStream): boolean {
    if (!link.connected || link.activeStreamId !== s.streamId) {
      fail(s, "agent_unavailable", "the agent disconnected during the audio");
      return false;
    }
    if (s.conversation.turn?.responseId !== voice.messageId) {
      fail(s, "turn_ended", "the turn ended (stopped, superseded or timed out) before the audio");
      return false;
    }
    return true;
  }

  function configure(s: Session, body: Record<string, unknown>): void {
    if (s.voice || s.sent) {
      fail(s, "bad_message", "audio.config was already sent on this socket");
      return;
    }
    let config: ReturnType<typeof audioConfigOf>;
    try {
      config = audioConfigOf(body);
    } catch (err) {
      if (!(err instanceof AudioFormatError)) throw err;
      fail(s, "bad_config", err.message);
      return;
    }
    s.conversation = store.ensure(s.conversation.id);
    const voice = voiceStream(s.conversation.id, WEB_USER_DEFAULTS);
    const frames = [voice.config(config)];
    const result = chat.sendTurn(s.conversation, voice.messageId, frames, audioPlaceholderContent);
    if (result.kind === "no_agent") {
      fail(s, "agent_unavailable", "no agent is connected to the sidecar");
    } else if (result.kind === "turn_in_progress") {
      fail(s, "turn_in_progress", "a turn of this conversation is still running");
    } else {
      s.voice = voice;
      s.sent = result;
      s.streamId = link.activeStreamId;
      send(s, { type: "audio.started", message_id: voice.messageId });
    }
  }

  function chunk(s: Session, data: Buffer): void {
    const voice = s.voice;
    if (!voice) {
      fail(s, "config_required", "send audio.config before any audio");
      return;
    }
    if (!live(s, voice)) return;
    s.bytes += data.length;
    if (s.bytes > parts.maxAudioBytes) {
      fail(s, "audio_too_large", `the audio exceeds ${parts.maxAudioBytes} bytes`);
      return;
    }
    if (data.length === 0) return;
    link.send(voice.chunk(data));
    store.touch(s.conversation);
  }

  function end(s: Session): void {
    const voice = s.voice;
    if (!voice || !s.sent) {
      fail(s, "config_required", "send audio.config and the audio before audio.end");
      return;
    }
    if (!live(s, voice)) return;
    if (s.bytes === 0) {
      fail(s, "empty_audio", "no audio arrived before audio.end");
      return;
    }
    link.send(voice.chunk(new Uint8Array(0), true));
    link.send(incomingMessageFrame(voice.placeholder()));
    s.voice = undefined;
    send(s, { type: "audio.done", ...audioAccepted(s.sent, s.bytes) });
    s.closed = true;
    release(s);
    s.ws.close(1000, "done");
  }

  function receive(s: Session, data: RawData, isBinary: boolean): void {
    if (s.closed) return;
    arm(s);
    if (isBinary) {
      chunk(s, bytesOf(data));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(bytesOf(data).toString("utf8"));
    } catch {
      fail(s, "bad_message", "a text message must be JSON");
      return;
    }
    const message =
      typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    if (message.type === "audio.config") configure(s, message);
    else if (message.type === "audio.end") end(s);
    else fail(s, "bad_message", 'expected {"type":"audio.config"} or {"type":"audio.end"}');
  }

  function start(ws: WebSocket, conversation: Conversation): void {
    const s: Session = {
      ws,
      conversation,
      timer: undefined,
      closed: false,
      voice: undefined,
      sent: undefined,
      streamId: undefined,
      bytes: 0,
    };
    sessions.add(s);
    busy.add(conversation.id);
    ws.on("error", () => {}); // a protocol error (e.g. a frame over maxPayload) closes the socket; "close" follows
    ws.on("message", (data, isBinary) => {
      try {
        receive(s, data, isBinary);
      } catch (err) {
        fail(s, "internal", `the sidecar failed on this message: ${String(err)}`); // never an uncaught throw
      }
    });
    ws.on("close", () => {
      s.closed = true;
      abandonTurn(s); // the client left before audio.end
      release(s);
    });
    arm(s);
    const refused = chat.refusal(conversation);
    if (refused?.kind === "no_agent") fail(s, "agent_unavailable", "no agent is connected");
    else if (refused) fail(s, "turn_in_progress", "a turn of this conversation is still running");
  }

  function admit(req: IncomingMessage): Conversation {
    if (parts.loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      throw new HttpError(403, "forbidden_host", "this sidecar only answers localhost");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.split("/").filter(Boolean);
    if (req.method !== "GET" || !isAudioPath(path)) {
      throw new HttpError(404, "not_found", `no WebSocket route for ${url.pathname}`);
    }
    refuseCrossSite(req, false, parts.corsOrigin); // a GET: the Origin and Sec-Fetch-Site checks (403)
    const id = conversationIdOf(path[2] ?? "");
    if (closed) throw new HttpError(503, "shutting_down", "the sidecar is shutting down");
    if (busy.has(id)) {
      throw new HttpError(
        409,
        "audio_socket_open",
        "this conversation already has an audio socket",
      );
    }
    if (sessions.size >= parts.maxAudioSockets) {
      throw new HttpError(429, "too_many_audio_sockets", "too many audio sockets are open");
    }
    return store.ensure(id);
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on("error", () => {}); // a client that vanishes mid-handshake is not an error of ours
      let conversation: Conversation;
      try {
        conversation = admit(req);
      } catch (err) {
        refuseUpgrade(
          socket,
          err instanceof HttpError ? err : new HttpError(500, "internal", String(err)),
        );
        return;
      }
      // Synchronous in ws when there is no verifyClient: no other upgrade runs in between.
      wss.handleUpgrade(req, socket, head, (ws) => start(ws, conversation));
    },
    get count() {
      return sessions.size;
    },
    close() {
      closed = true;
      for (const s of sessions) {
        s.closed = true;
        s.voice = undefined; // the agent link closes too: no STOP to send
        release(s);
      }
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
