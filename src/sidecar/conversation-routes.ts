/**
 * The conversation routes of the deployed web adapter under
 * `/api/chat/conversations`: the list (newest activity first, with titles
 * from each conversation's first user message), one conversation, and
 * delete.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import type { Chat } from "./chat.js";
import type { Conversation, ConversationStore } from "./conversations.js";
import { HttpError, sendJson } from "./http-util.js";

/** Longest title, in characters; a longer first message is cut and ends with "…". */
export const TITLE_MAX_CHARS = 48;

/** Conversations a list returns unless `?limit=` says otherwise. */
export const DEFAULT_LIST_LIMIT = 50;

/** A conversation's title: its first user message on one line, cut to TITLE_MAX_CHARS; "New chat" before one. */
export function conversationTitle(conversation: Conversation): string {
  const first = conversation.history.find((e) => e.role === "user");
  const text = (first?.content ?? "").replace(/\s+/g, " ").trim();
  if (text === "") return "New chat";
  const chars = [...text];
  return chars.length <= TITLE_MAX_CHARS
    ? text
    : `${chars.slice(0, TITLE_MAX_CHARS - 1).join("")}…`;
}

function updatedAt(conversation: Conversation): Date {
  return conversation.history.at(-1)?.timestamp ?? conversation.createdAt;
}

/** One conversation as the list and the GET route answer it (snake_case). */
export function conversationSummary(conversation: Conversation): Record<string, unknown> {
  return {
    conversation_id: conversation.id,
    title: conversationTitle(conversation),
    created_at: conversation.createdAt.toISOString(),
    updated_at: updatedAt(conversation).toISOString(),
    message_count: conversation.history.length,
    turn_running: conversation.turn !== undefined,
  };
}

function limitOf(url: URL): number {
  const raw = url.searchParams.get("limit");
  if (raw === null) return DEFAULT_LIST_LIMIT;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1)
    throw new HttpError(400, "bad_limit", "limit must be a whole number from 1");
  return value;
}

/**
 * Answers `GET /api/chat/conversations` (`{conversations, total}`; only
 * conversations with a message, newest activity first, `?limit=` default
 * 50), `GET …/{id}` and `DELETE …/{id}` (204); an unknown id is a 404, and
 * reading never creates one.
 */
export function routeChatConversations(
  parts: { readonly store: ConversationStore; readonly chat: Chat },
  method: string,
  url: URL,
  conversationId: string | undefined,
  res: ServerResponse,
): void {
  if (conversationId === undefined) {
    if (method !== "GET")
      throw new HttpError(405, "method_not_allowed", `${method} is not allowed here`);
    const used = [...parts.store.list()].filter((c) => c.history.length > 0 || c.turn);
    used.sort((a, b) => updatedAt(b).getTime() - updatedAt(a).getTime());
    sendJson(res, 200, {
      conversations: used.slice(0, limitOf(url)).map(conversationSummary),
      total: used.length,
    });
    return;
  }
  const conversation = parts.store.get(conversationId);
  if (!conversation)
    throw new HttpError(404, "conversation_not_found", `no conversation ${conversationId}`);
  if (method === "GET") sendJson(res, 200, conversationSummary(conversation));
  else if (method === "DELETE") {
    parts.chat.deleteConversation(conversation);
    res.writeHead(204).end();
  } else throw new HttpError(405, "method_not_allowed", `${method} is not allowed here`);
}
