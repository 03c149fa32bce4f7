/**
 * The web chat's guard against cross-site requests: a page on another origin
 * (another port of 127.0.0.1 included) must not create conversations, send
 * messages or audio, cancel turns or answer forms.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-util.js";

/** The content types a cross-site page may send without a CORS preflight (Fetch's "CORS-safelisted"). */
const SIMPLE_CONTENT_TYPES =
  /^(text\/plain|multipart\/form-data|application\/x-www-form-urlencoded)\b/i;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a method changes state (everything but GET, HEAD and OPTIONS). */
export function isStateChanging(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}

/**
 * Refuses a request that a page on another origin could have made: 403 when
 * the browser says it is cross-site (`Sec-Fetch-Site` other than
 * `same-origin`) or its `Origin` is not this server's own. Also the guard of
 * WebSocket upgrades, which CORS does not cover (browsers always send
 * `Origin` on them).
 */
export function refuseCrossOrigin(req: IncomingMessage): void {
  const site = header(req, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin") {
    throw new HttpError(
      403,
      "cross_site",
      `refused a ${site} request: only the chat page itself may change state`,
    );
  }
  const origin = header(req, "origin");
  const own = `http://${header(req, "host") ?? ""}`;
  if (origin !== undefined && origin !== own) {
    throw new HttpError(
      403,
      "cross_site",
      `refused a request from origin ${origin}: only ${own} may change state`,
    );
  }
}

/**
 * Refuses a state-changing request that a page on another origin could have
 * sent: 403 as {@link refuseCrossOrigin}, and 415 when it has no content type
 * or a CORS-safelisted one: a browser sends any other type (application/json,
 * audio/*) only after a preflight that this server never answers, so a
 * hostile page cannot forge one even where the headers above are missing.
 * `allowMultipart` lets `multipart/form-data` through (the audio upload of
 * the deployed adapter's API): then only the 403 checks guard it, which every
 * current browser trips on a cross-origin POST (it sends `Origin`).
 */
export function refuseCrossSite(req: IncomingMessage, allowMultipart = false): void {
  refuseCrossOrigin(req);
  const type = header(req, "content-type") ?? "";
  if (allowMultipart && /^multipart\/form-data\b/i.test(type)) return;
  if (type === "" || SIMPLE_CONTENT_TYPES.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `a ${req.method ?? "POST"} needs a content type such as application/json (got ${type === "" ? "none" : type})`,
    );
  }
}
