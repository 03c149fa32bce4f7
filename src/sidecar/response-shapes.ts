/**
 * The JSON bodies of the web API that are more than a field or two: the
 * agent's config and a conversation's history, in the shapes the deployed
 * web adapter answers with.
 *
 * @module
 */
import { toJson } from "@bufbuild/protobuf";
import {
  type AgentConfig,
  AgentConfigSchema,
  type ThreadHistoryResponse,
  ThreadHistoryResponseSchema,
} from "../schema/index.js";

/** An ISO 8601 time to the second (`2026-12-01T23:47:15Z`), as the deployed adapter writes them. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Cuts an RFC 3339 timestamp from `toJson` to the second. */
function toSecond(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/(:\d\d)(\.\d+)?Z$/, "$1Z") : value;
}

/**
 * `GET /api/agent/config`: the config as camelCase JSON (every field, as the
 * spec has it) with `capabilities.files`, the deployed adapter's name for
 * `supports_files`.
 */
export function agentConfigJson(config: AgentConfig): Record<string, unknown> {
  const json = toJson(AgentConfigSchema, config, { alwaysEmitImplicit: true }) as Record<
    string,
    unknown
  >;
  return { ...json, capabilities: { files: config.supportsFiles } };
}

/**
 * `GET …/history`: the thread history with snake_case keys, every message
 * with `was_edited` (the web chat has no edits: false), `is_complete`
 * always present, and timestamps to the second.
 */
export function historyJson(history: ThreadHistoryResponse): Record<string, unknown> {
  const json = toJson(ThreadHistoryResponseSchema, history, {
    useProtoFieldName: true,
  }) as Record<string, unknown>;
  const messages = (json.messages as Record<string, unknown>[] | undefined) ?? [];
  return {
    ...json,
    messages: messages.map((m) => ({
      ...m,
      timestamp: toSecond(m.timestamp),
      was_edited: m.was_edited ?? false,
    })),
    is_complete: json.is_complete ?? false,
    fetched_at: toSecond(json.fetched_at),
  };
}
