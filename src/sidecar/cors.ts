/**
 * CORS for one origin the user names (`corsOrigin`, `--cors-origin`): a web
 * client served from there (a dev server on another port) may call the web
 * API. Off by default; every other origin stays refused, and `*` is never
 * answered: a local server that any page may drive is what the cross-site
 * guard exists to prevent.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SidecarOptionError } from "../sidecar-core/option-checks.js";
import { HttpError } from "./http-util.js";

/** The request headers a client of the allowed origin may send. */
const ALLOWED_HEADERS = "content-type, last-event-id, accept";

/** The methods of the web API. */
const ALLOWED_METHODS = "GET, HEAD, POST, DELETE, OPTIONS";

/** Checks a `corsOrigin` option: one http(s) origin (`scheme://host[:port]`, no path), returned normalized. */
export function checkCorsOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SidecarOptionError(
      "corsOrigin",
      `expected an origin such as http://localhost:5173, got ${value}`,
    );
  }
  const bare = url.pathname === "/" && url.search === "" && url.hash === "" && !url.username;
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !bare || value.endsWith("/")) {
    throw new SidecarOptionError(
      "corsOrigin",
      `expected an origin such as http://localhost:5173 (scheme, host and port only), got ${value}`,
    );
  }
  return url.origin;
}

function originOf(req: IncomingMessage): string | undefined {
  const value = req.headers.origin;
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Adds the CORS headers for a request from `corsOrigin` and answers its
 * preflight; returns true when the request was answered (a preflight). An
 * OPTIONS from any other origin is a 403.
 */
export function applyCors(
  corsOrigin: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const allowed = corsOrigin !== undefined && originOf(req) === corsOrigin;
  if (corsOrigin !== undefined) res.setHeader("vary", "Origin");
  if (allowed) res.setHeader("access-control-allow-origin", corsOrigin);
  if (req.method !== "OPTIONS") return false;
  if (!allowed) {
    throw new HttpError(
      403,
      "cross_site",
      "CORS is not enabled for this origin (see --cors-origin)",
    );
  }
  res.writeHead(204, {
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": "600",
  });
  res.end();
  return true;
}
