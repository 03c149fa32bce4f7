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
 * Refuses a state-changing request that a page on another origin could have
 * sent: 403 when the browser says it is cross-site (`Sec-Fetch-Site` other
 * than `same-origin`) or its `Origin` is not this server's own, and 415 when
 * a POST has no content type or a CORS-safelisted one: a browser sends any
 * other type (application/json, audio/*), and any other method (DELETE), only
 * after a preflight that this server never answers for another origin, so a
 * hostile page cannot forge one even where the headers above are missing.
 * With `formUpload` (the files API), a multipart POST that says it is
 * same-origin (`Sec-Fetch-Site` or `Origin`) is let in; a request whose
 * `Origin` is `corsOrigin` is let in whatever it is.
 */
export function refuseCrossSite(
  req: IncomingMessage,
  formUpload = false,
  corsOrigin?: string,
): void {
  const site = header(req, "sec-fetch-site");
  // The one origin the user let in (`corsOrigin`): the browser vouches for the Origin header.
  if (corsOrigin !== undefined && header(req, "origin") === corsOrigin) return;
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
  // Only a POST can be a "simple" cross-site request; any other method (DELETE) needs a preflight.
  if (req.method !== "POST") return;
  const type = header(req, "content-type") ?? "";
  // A file upload is multipart, a "simple" type: it is let in only when the
  // browser itself says it comes from this origin.
  if (
    formUpload &&
    /^multipart\/form-data\b/i.test(type) &&
    (site === "same-origin" || origin === own)
  )
    return;
  if (type === "" || SIMPLE_CONTENT_TYPES.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `a ${req.method ?? "POST"} needs a content type such as application/json (got ${type === "" ? "none" : type})`,
    );
  }
}
