/**
 * The chat page's static assets, served by the web server from memory: the
 * HTML document, its stylesheet and its script (no build step).
 *
 * @module
 */
import type { OutgoingHttpHeaders } from "node:http";
import { PAGE_HTML } from "./page-html.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";

/** One static asset: response headers and body. */
export interface PageAsset {
  /** Response headers (content type, caching, CSP). */
  readonly headers: OutgoingHttpHeaders;
  /** The body. */
  readonly body: string;
}

const SECURITY_HEADERS: OutgoingHttpHeaders = {
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function asset(type: string, body: string, extra: OutgoingHttpHeaders = {}): PageAsset {
  return {
    headers: { ...SECURITY_HEADERS, ...extra, "content-type": `${type}; charset=utf-8` },
    body,
  };
}

/** The chat page's assets by path. */
export const pageAssets: Readonly<Record<string, PageAsset>> = {
  "/": asset("text/html", PAGE_HTML, {
    "content-security-policy":
      "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  }),
  "/chat.css": asset("text/css", PAGE_STYLE),
  "/chat.js": asset("text/javascript", PAGE_SCRIPT),
};
