/**
 * How one reply frame from the agent (`AgentResponse`) becomes an SSE event of
 * the web chat API: the event name and its snake_case data object.
 *
 * @module
 */
import { toJson } from "@bufbuild/protobuf";
import {
  type AgentResponse,
  ContentChunk_ChunkType,
  ErrorResponse_ErrorCode,
  RenderableAction,
  RenderKind,
  ResponseAttachmentSchema,
  StatusUpdate_Status,
} from "../schema/index.js";
import type { SseEventName } from "./sse.js";

/** An SSE event derived from an agent frame. */
export interface FrameEvent {
  /** The SSE event name. */
  readonly event: SseEventName;
  /** The event's data (the hub adds `"type"`). */
  readonly data: Record<string, unknown>;
}

/** The chunk types of the `chunk` event. */
export type ChunkTypeName = "start" | "delta" | "end" | "replace";

/** Lower-case name of an enum value, or `fallback` for numbers the schema does not know. */
function enumName(names: Record<number, string>, value: number, fallback: string): string {
  return names[value]?.toLowerCase() ?? fallback;
}

/** The names of the form actions, as the `interaction` event lists them and form answers name them. */
const ACTION_NAMES: Readonly<Record<number, string>> = {
  [RenderableAction.SUBMIT]: "submit",
  [RenderableAction.DECLINE]: "decline",
  [RenderableAction.CANCEL]: "cancel",
  [RenderableAction.RESPOND]: "respond",
  [RenderableAction.UNSUPPORTED]: "unsupported",
};

/** Parses a renderable's JSON field; text that is not JSON is passed on as a string rather than lost. */
function jsonField(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `chunk_type` of a content chunk; unspecified chunks count as deltas. */
export function chunkTypeName(type: ContentChunk_ChunkType): ChunkTypeName {
  switch (type) {
    case ContentChunk_ChunkType.START:
      return "start";
    case ContentChunk_ChunkType.END:
      return "end";
    case ContentChunk_ChunkType.REPLACE:
      return "replace";
    default:
      return "delta";
  }
}

/** Keeps only the entries whose value is not undefined or an empty string. */
function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== ""));
}

/** Maps a reply frame to its SSE event; undefined for payloads the web chat does not show. */
export function frameToEvent(frame: AgentResponse): FrameEvent | undefined {
  const responseId = frame.responseId || undefined;
  const p = frame.payload;
  switch (p.case) {
    case "content": {
      const attachments = p.value.attachments.map((a) =>
        toJson(ResponseAttachmentSchema, a, { useProtoFieldName: true }),
      );
      const data = compact({
        chunk_type: chunkTypeName(p.value.type),
        response_id: responseId,
        attachments: attachments.length > 0 ? attachments : undefined,
      });
      return { event: "chunk", data: { content: p.value.content, ...data } };
    }
    case "status":
      return {
        event: "status",
        data: compact({
          status: StatusUpdate_Status[p.value.status] ?? "STATUS_UNSPECIFIED",
          message: p.value.customMessage,
          emoji: p.value.emoji,
        }),
      };
    case "prompts":
      return {
        event: "prompts",
        data: {
          prompts: p.value.prompts.map((x) =>
            compact({ id: x.id, title: x.title, message: x.message, description: x.description }),
          ),
        },
      };
    case "transcript":
      return {
        event: "transcript",
        data: compact({
          text: p.value.text,
          message_id: p.value.messageId,
          language: p.value.language,
        }),
      };
    case "renderable":
      return {
        event: "interaction",
        data: compact({
          kind:
            p.value.kind === RenderKind.FORM || p.value.kind === RenderKind.UNSPECIFIED
              ? "form"
              : enumName(RenderKind, p.value.kind, "unknown"),
          response_id: responseId,
          id: p.value.id,
          message: p.value.message,
          dataSchema: jsonField(p.value.dataSchemaJson),
          value: jsonField(p.value.valueJson),
          actions: p.value.allowedActions.map((a) => ACTION_NAMES[a] ?? "unspecified"),
          intent: p.value.intent,
        }),
      };
    case "incomingMessage":
      // A message the agent puts into the conversation on its own (not a reply's text).
      return {
        event: "injected",
        data: compact({
          message_id: p.value.id,
          content: p.value.content,
          response_id: responseId,
        }),
      };
    case "error":
      return {
        event: "error",
        data: {
          ...compact({
            code: ErrorResponse_ErrorCode[p.value.code] ?? "ERROR_CODE_UNSPECIFIED",
            message: p.value.message || "the agent reported an error",
            details: p.value.details,
            response_id: responseId,
          }),
          retryable: p.value.retryable,
        },
      };
    default:
      return undefined;
  }
}
