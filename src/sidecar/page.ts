/**
 * The chat page's static assets, served by the web server from memory: the
 * HTML document at `/`, and its stylesheet and script modules under their
 * file names. The files live in `src/sidecar/page/` and are embedded by
 * `scripts/embed-page.mjs` (no build step in the browser).
 *
 * @module
 */
import type { OutgoingHttpHeaders } from "node:http";
import { pageFiles } from "./page-assets.generated.js";

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

/** The document's policy: the page loads only its own styles and scripts. */
const DOCUMENT_HEADERS: OutgoingHttpHeaders = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
};

/** The content type of each embedded file's extension. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html",
  css: "text/css",
  js: "text/javascript",
};

/** The page's document; the other files are served at `/<file name>`. */
const DOCUMENT_FILE = "chat.html";

function asset(name: string, body: string): PageAsset {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)];
  if (type === undefined) throw new Error(`page: no content type for the embedded file ${name}`);
  const extra = name === DOCUMENT_FILE ? DOCUMENT_HEADERS : {};
  return {
    headers: { ...SECURITY_HEADERS, ...extra, "content-type": `${type}; charset=utf-8` },
    body,
  };
}

/** The chat page's assets by path. */
export const pageAssets: Readonly<Record<string, PageAsset>> = Object.fromEntries(
  Object.entries(pageFiles).map(([name, body]) => [
    name === DOCUMENT_FILE ? "/" : `/${name}`,
    asset(name, body),
  ]),
);
