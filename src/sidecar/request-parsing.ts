/**
 * Validation of the JSON bodies the web chat accepts: message attachments and
 * form answers. Bad input becomes a 400 naming the field.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type Attachment,
  Attachment_Type,
  AttachmentSchema,
  RenderableAction,
} from "../schema/index.js";
import type { RenderableAnswer } from "./chat.js";
import { fileAttachment } from "./file-routes.js";
import type { FileStore } from "./file-store.js";
import { HttpError } from "./http-util.js";

const ATTACHMENT_TYPES: Record<string, Attachment_Type> = {
  image: Attachment_Type.IMAGE,
  file: Attachment_Type.FILE,
  video: Attachment_Type.VIDEO,
  audio: Attachment_Type.AUDIO,
  link: Attachment_Type.LINK,
};

const ACTIONS: Record<string, RenderableAction> = {
  submit: RenderableAction.SUBMIT,
  decline: RenderableAction.DECLINE,
  cancel: RenderableAction.CANCEL,
  respond: RenderableAction.RESPOND,
};

function text(item: Record<string, unknown>, key: string, where: string): string {
  const value = item[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string")
    throw new HttpError(400, "bad_request", `${where}.${key} must be a string`);
  return value;
}

function integer(item: Record<string, unknown>, key: string, where: string): number {
  const value = item[key];
  if (value === undefined || value === null) return 0;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new HttpError(400, "bad_request", `${where}.${key} must be a non-negative integer`);
  }
  return value as number;
}

/**
 * Parses the optional `attachments` array of a message body: `{key}` names a
 * file uploaded through the files API (as the deployed adapter takes them);
 * an item without `key` is the attachment's metadata itself (snake_case keys).
 */
export function parseAttachments(value: unknown, files: FileStore): Attachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new HttpError(400, "bad_request", "attachments must be an array");
  return value.map((raw, i) => {
    const where = `attachments[${i}]`;
    if (typeof raw !== "object" || raw === null) {
      throw new HttpError(400, "bad_request", `${where} must be an object`);
    }
    const item = raw as Record<string, unknown>;
    if (item.key !== undefined) {
      const key = text(item, "key", where);
      const file = files.get(key);
      if (!file) throw new HttpError(400, "unknown_file", `${where}.key: no uploaded file ${key}`);
      return fileAttachment(file);
    }
    const typeName = text(item, "type", where).toLowerCase();
    const type = ATTACHMENT_TYPES[typeName];
    if (typeName && type === undefined) {
      throw new HttpError(
        400,
        "bad_request",
        `${where}.type must be one of ${Object.keys(ATTACHMENT_TYPES).join(", ")}`,
      );
    }
    return create(AttachmentSchema, {
      type: type ?? Attachment_Type.FILE,
      url: text(item, "url", where),
      filename: text(item, "filename", where),
      sizeBytes: BigInt(integer(item, "size_bytes", where)),
      mimeType: text(item, "mime_type", where),
      title: text(item, "title", where),
      description: text(item, "description", where),
      width: integer(item, "width", where),
      height: integer(item, "height", where),
      storageKey: text(item, "storage_key", where),
    });
  });
}

/** Parses a form answer `{action, content?, text?}`; `content` may be an object or a JSON string. */
export function parseRenderableAnswer(body: Record<string, unknown>): RenderableAnswer {
  const name = typeof body.action === "string" ? body.action.toLowerCase() : "";
  const action = ACTIONS[name];
  if (action === undefined) {
    throw new HttpError(
      400,
      "bad_request",
      `action must be one of ${Object.keys(ACTIONS).join(", ")}`,
    );
  }
  let contentJson = "";
  if (typeof body.content === "string") {
    try {
      JSON.parse(body.content);
    } catch {
      throw new HttpError(400, "bad_json", "content must be JSON text or a JSON value");
    }
    contentJson = body.content;
  } else if (body.content !== undefined) {
    contentJson = JSON.stringify(body.content);
  }
  if (action === RenderableAction.SUBMIT && contentJson === "") {
    throw new HttpError(400, "bad_request", "submit needs content");
  }
  return { action, contentJson, text: text(body, "text", "body") };
}
