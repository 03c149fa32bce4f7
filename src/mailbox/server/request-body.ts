/**
 * Reading a request body within a byte bound (checked while reading, so an
 * oversized body is refused before it is held) and parsing it as a JSON object.
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { type BoundedBodyErrors, readBoundedBody } from "../../internal/bounded-body.js";
import type { JsonObject } from "../core/mailbox-types.js";
import { badField, type NodeRequest } from "./http-status.js";

/** The mailbox's errors of a bounded read: RESOURCE_EXHAUSTED (413) over the bound, CANCELED when the client left. */
const bodyErrors = (maxBytes: number): BoundedBodyErrors => ({
  tooLarge: () =>
    new AgentwireError(
      "too_large",
      `the request body exceeds ${maxBytes} bytes`,
      Code.ResourceExhausted,
    ),
  closed: () => new AgentwireError("aborted", "the client closed the request", Code.Canceled),
});

/** Reads a JSON object body (an empty body is `{}`); 400 when it is not one. */
export async function readJsonObject(req: NodeRequest, maxBytes: number): Promise<JsonObject> {
  const text = (await readBoundedBody(req, maxBytes, bodyErrors(maxBytes))).toString("utf8");
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
