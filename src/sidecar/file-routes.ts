/**
 * The files API of the web chat, `/api/files`: upload (multipart with a
 * `file` field, as the deployed adapter takes it, or the raw bytes with the
 * file's content type and `?filename=`), download by key, delete. Message
 * attachments name uploaded files by key.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { type Attachment, Attachment_Type, AttachmentSchema } from "../schema/index.js";
import type { FileStore, StoredFile } from "./file-store.js";
import { HttpError, readBody, sendJson } from "./http-util.js";

/** Room for a multipart body's boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const FILENAME = /^[^/\\\0]{1,255}$/;

/** A stored file's metadata as the files API answers it (snake_case). */
export function fileJson(file: StoredFile): Record<string, unknown> {
  return {
    key: file.key,
    filename: file.filename,
    mime_type: file.mimeType,
    size_bytes: file.data.length,
    url: `/api/files/${encodeURIComponent(file.key)}`,
    created_at: file.createdAt.toISOString(),
  };
}

function checkedName(name: string): string {
  if (!FILENAME.test(name))
    throw new HttpError(
      400,
      "bad_filename",
      "the file name must be 1 to 255 characters without / or \\",
    );
  return name;
}

async function upload(
  req: IncomingMessage,
  url: URL,
  files: FileStore,
  maxFileBytes: number,
): Promise<StoredFile> {
  const type = req.headers["content-type"] ?? "";
  if (/^multipart\/form-data\b/i.test(type)) {
    const body = await readBody(req, maxFileBytes + MULTIPART_OVERHEAD_BYTES);
    let form: FormData;
    try {
      form = await new Request("http://localhost/", {
        method: "POST",
        headers: { "content-type": type },
        body: new Uint8Array(body) as Uint8Array<ArrayBuffer>,
      }).formData();
    } catch {
      throw new HttpError(400, "bad_multipart", "the body is not valid multipart/form-data");
    }
    const file = form.get("file");
    if (file === null || typeof file === "string")
      throw new HttpError(
        400,
        "missing_file",
        "the multipart body needs a file in the field `file`",
      );
    if (file.size > maxFileBytes)
      throw new HttpError(413, "body_too_large", `the file exceeds ${maxFileBytes} bytes`);
    if (file.size === 0) throw new HttpError(400, "empty_file", "the file is empty");
    const data = new Uint8Array(await file.arrayBuffer());
    return files.put(
      checkedName(file.name || "file"),
      file.type || "application/octet-stream",
      data,
    );
  }
  const data = await readBody(req, maxFileBytes);
  if (data.length === 0) throw new HttpError(400, "empty_file", "the file is empty");
  const name = checkedName(url.searchParams.get("filename") ?? "file");
  return files.put(name, type.split(";")[0]?.trim() || "application/octet-stream", data);
}

/**
 * Answers `POST /api/files` (201 with the file's metadata), `GET
 * /api/files/{key}` (the bytes, as a download: never rendered in the chat
 * page's origin) and `DELETE /api/files/{key}` (204); an unknown key is a 404.
 */
export async function routeFiles(
  files: FileStore,
  maxFileBytes: number,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
  key: string | undefined,
): Promise<void> {
  if (key === undefined) {
    if (method !== "POST")
      throw new HttpError(405, "method_not_allowed", `${method} is not allowed here`);
    sendJson(res, 201, fileJson(await upload(req, url, files, maxFileBytes)));
    return;
  }
  const file = files.get(key);
  if (!file) throw new HttpError(404, "file_not_found", `no file with key ${key}`);
  if (method === "GET" || method === "HEAD") {
    res.writeHead(200, {
      "content-type": file.mimeType,
      "content-length": file.data.length,
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      "content-security-policy": "default-src 'none'; sandbox",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    });
    res.end(method === "HEAD" ? undefined : file.data);
  } else if (method === "DELETE") {
    files.delete(key);
    res.writeHead(204).end();
  } else throw new HttpError(405, "method_not_allowed", `${method} is not allowed here`);
}

function attachmentType(mimeType: string): Attachment_Type {
  if (mimeType.startsWith("image/")) return Attachment_Type.IMAGE;
  if (mimeType.startsWith("audio/")) return Attachment_Type.AUDIO;
  if (mimeType.startsWith("video/")) return Attachment_Type.VIDEO;
  return Attachment_Type.FILE;
}

/** The attachment an uploaded file becomes in the user message: `storage_key` set, `url` empty (spec item 14). */
export function fileAttachment(file: StoredFile): Attachment {
  return create(AttachmentSchema, {
    type: attachmentType(file.mimeType),
    url: "",
    filename: file.filename,
    sizeBytes: BigInt(file.data.length),
    mimeType: file.mimeType,
    storageKey: file.key,
  });
}
