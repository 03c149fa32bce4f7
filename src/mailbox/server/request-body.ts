/**
 * Reading a request body within a byte bound (checked while reading, so an
 * oversized body is refused before it is held) and parsing it as a JSON object.
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import type { JsonObject } from "../core/mailbox-types.js";
import { badField, type NodeRequest } from "./http-status.js";

function tooLarge(maxBytes: number): AgentwireError {
  return new AgentwireError(
    "too_large",
    `the request body exceeds ${maxBytes} bytes`,
    Code.ResourceExhausted,
  );
}

/** Reads the whole body, refusing (413) more than `maxBytes` as soon as it is exceeded. */
export async function readBoundedBody(req: NodeRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}

/** Reads a JSON object body (an empty body is `{}`); 400 when it is not one. */
export async function readJsonObject(req: NodeRequest, maxBytes: number): Promise<JsonObject> {
  const text = (await readBoundedBody(req, maxBytes)).toString("utf8");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badField("the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw badField("the request body must be a JSON object");
  return value as JsonObject;
}
