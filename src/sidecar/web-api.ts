/**
 * The HTTP routes of the web chat: the JSON/SSE API of the spec, the form
 * answer and audio ingest extensions, and the chat page itself.
 *
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { audioPlaceholderContent } from "../audio/audio-filetype.js";
import type { AgentLink } from "../sidecar-core/agent-link.js";
import { threadHistory } from "../sidecar-core/history-source.js";
import { audioAccepted, audioTurnOf, isAudioPath, readAudioUpload } from "./audio-upload.js";
import type { Chat, Refusal, SendResult } from "./chat.js";
import { routeChatConversations } from "./conversation-routes.js";
import { type ConversationStore, webHistorySource } from "./conversations.js";
import { applyCors } from "./cors.js";
import { isStateChanging, refuseCrossSite } from "./cross-site.js";
import { routeFiles } from "./file-routes.js";
import type { FileStore } from "./file-store.js";
import { HttpError, isLoopbackHostHeader, readJsonObject, sendJson } from "./http-util.js";
import { pageAssets } from "./page.js";
import { parseAttachments, parseRenderableAnswer } from "./request-parsing.js";
import { agentConfigJson, historyJson } from "./response-shapes.js";
import type { SseHub } from "./sse.js";

/** Parts the web API works with. */
export interface WebApiParts {
  /** Conversations. */
  readonly store: ConversationStore;
  /** SSE connections. */
  readonly hub: SseHub;
  /** The chat core. */
  readonly chat: Chat;
  /** The agent link, for its config and connectivity. */
  readonly link: AgentLink;
  /** Largest JSON body accepted, in bytes. */
  readonly maxJsonBodyBytes: number;
  /** Largest audio upload accepted, in bytes. */
  readonly maxAudioBodyBytes: number;
  /** The files API's files. */
  readonly files: FileStore;
  /** Largest file the files API takes, in bytes. */
  readonly maxFileBytes: number;
  /** The one other origin let in with CORS, if any. */
  readonly corsOrigin: string | undefined;
  /** Answer only `localhost`/loopback Host headers (set when bound to loopback). */
  readonly loopbackOnly: boolean;
}

const CONVERSATION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Form answers: `interactions/{id}`, and `renderables/{id}`, the name agentwire used first. */
const FORM_ANSWER = /^(interactions|renderables)$/;

/** Decodes one percent-encoded path segment; malformed encoding is a 400, not a URIError. */
function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "bad_path", `the path segment "${raw}" is not valid percent-encoding`);
  }
}

/** The conversation id of a path segment; a malformed one is a 400. */
export function conversationIdOf(raw: string): string {
  const id = decodeSegment(raw);
  if (!CONVERSATION_ID.test(id))
    throw new HttpError(400, "bad_conversation_id", "invalid conversation id");
  return id;
}

function lastEventIdOf(req: IncomingMessage, url: URL): number | undefined {
  const raw = req.headers["last-event-id"] ?? url.searchParams.get("last_event_id") ?? undefined;
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Creates the request listener of the web chat server. */
export function createWebApi(parts: WebApiParts): RequestListener {
  const { store, hub, chat, link } = parts;

  function sent(res: ServerResponse, result: SendResult | Refusal): void {
    if (result.kind === "no_agent") {
      sendJson(res, 424, { error: "agent_unavailable", message: "no agent is connected" });
    } else if (result.kind === "turn_in_progress") {
      sendJson(res, 409, {
        error: "turn_in_progress",
        error_description:
          "a reply is still running in this conversation; cancel it or wait for its finish",
      });
    } else {
      sendJson(res, 200, {
        message_id: result.messageId,
        timestamp: result.timestamp.toISOString(),
      });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (parts.loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      throw new HttpError(403, "forbidden_host", "this sidecar only answers localhost");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";
    if (applyCors(parts.corsOrigin, req, res)) return;
    if (isStateChanging(method))
      refuseCrossSite(req, url.pathname === "/api/files" || isAudioPath(path), parts.corsOrigin);
    const asset = pageAssets[url.pathname];
    if (asset && (method === "GET" || method === "HEAD")) {
      res.writeHead(200, asset.headers);
      res.end(method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (url.pathname === "/health" && method === "GET") {
      sendJson(res, 200, {
        status: "healthy",
        connections: hub.connectionCount,
        agent_connected: link.connected,
        timestamp: new Date().toISOString(),
      });
      return;
    }
    if (url.pathname === "/api/agent/config" && method === "GET") {
      const config = link.config;
      if (!config) sendJson(res, 404, { error: "no_agent_config" });
      else sendJson(res, 200, agentConfigJson(config));
      return;
    }
    if (url.pathname === "/api/conversations" && method === "POST") {
      const conversation = store.create();
      sendJson(res, 201, {
        conversation_id: conversation.id,
        created_at: conversation.createdAt.toISOString(),
      });
      return;
    }
    if (path[0] === "api" && path[1] === "files" && path.length <= 3) {
      const key = path[2] === undefined ? undefined : decodeSegment(path[2]);
      await routeFiles(parts.files, parts.maxFileBytes, req, res, method, url, key);
      return;
    }
    if (
      path[0] === "api" &&
      path[1] === "chat" &&
      path[2] === "conversations" &&
      path.length <= 4
    ) {
      const id = path[3] === undefined ? undefined : conversationIdOf(path[3]);
      routeChatConversations({ store, chat }, method, url, id, res);
      return;
    }
    if (path[0] !== "api" || path[1] !== "conversations" || path.length < 4) {
      throw new HttpError(404, "not_found", `no route for ${method} ${url.pathname}`);
    }
    const conversationId = conversationIdOf(path[2] ?? "");
    const action = `${method} ${path.slice(3).join("/")}`;
    if (action === "GET history") {
      // Reading never creates: an unknown id has an empty history.
      const max = Number(url.searchParams.get("limit") ?? "0");
      if (!Number.isInteger(max) || max < 0)
        throw new HttpError(400, "bad_limit", "limit must be 0 or more");
      sendJson(res, 200, historyJson(threadHistory(webHistorySource(store), conversationId, max)));
      return;
    }
    if (action === "GET audio") {
      // A WebSocket upgrade never gets here: the server's `upgrade` event takes it.
      throw new HttpError(426, "upgrade_required", "live audio is a WebSocket on this path");
    }
    const conversation = store.ensure(conversationId);
    if (action === "GET stream") {
      hub.attach(conversation.id, res, lastEventIdOf(req, url));
    } else if (action === "POST messages") {
      const body = await readJsonObject(req, parts.maxJsonBodyBytes);
      const content = typeof body.content === "string" ? body.content : "";
      if (content.trim() === "")
        throw new HttpError(400, "empty_content", "content must be a non-empty string");
      sent(
        res,
        chat.sendMessage(conversation, content, parseAttachments(body.attachments, parts.files)),
      );
    } else if (action === "POST cancel") {
      chat.cancel(conversation);
      res.writeHead(204).end();
    } else if (method === "POST" && FORM_ANSWER.test(path[3] ?? "") && path.length === 5) {
      const body = await readJsonObject(req, parts.maxJsonBodyBytes);
      const answer = parseRenderableAnswer(body);
      if (!chat.answerRenderable(conversation, decodeSegment(path[4] ?? ""), answer)) {
        throw new HttpError(424, "agent_unavailable", "no agent is connected");
      }
      res.writeHead(204).end();
    } else if (action === "POST audio") {
      // Refuse before reading: an upload nobody can answer is not read at all.
      const refused = chat.refusal(conversation);
      if (refused !== undefined) {
        res.shouldKeepAlive = false;
        sent(res, refused);
        return;
      }
      const upload = await readAudioUpload(req, url.searchParams, parts.maxAudioBodyBytes);
      if (upload.sizeBytes === 0) throw new HttpError(400, "empty_audio", "the audio is empty");
      const turn = audioTurnOf(conversation.id, upload);
      const result = chat.sendTurn(
        conversation,
        turn.messageId,
        turn.frames,
        audioPlaceholderContent,
      );
      if (result.kind !== "sent") sent(res, result);
      else sendJson(res, 202, audioAccepted(result, upload.sizeBytes));
    } else {
      throw new HttpError(404, "not_found", `no route for ${method} ${url.pathname}`);
    }
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = err instanceof HttpError ? err : new HttpError(500, "internal", String(err));
      sendJson(res, e.status, { error: e.code, message: e.message });
    });
  };
}
