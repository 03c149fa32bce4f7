/**
 * The one bounded reader of an HTTP request body, for the dev sidecar's web
 * API and the mailbox's routes: the bound is checked against the declared
 * length first and then while reading, so an oversized body is refused
 * before it is held; past the bound the rest is discarded unread.
 *
 * @module
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

/** A request body as node's HTTP/1.1 and HTTP/2 servers hand it over. */
export type BodyRequest = Readable & { readonly headers: IncomingHttpHeaders };

/** The errors a bounded read fails with, made by the caller in its own error type. */
export interface BoundedBodyErrors {
  /** The body is over the bound (declared or as it arrived). */
  tooLarge(): Error;
  /** The client closed the request before its end. */
  closed(): Error;
}

/**
 * Reads the body, handing each arriving part to `onPart`, and resolves with
 * its byte count; fails with `errors.tooLarge()` as soon as more than
 * `maxBytes` is declared or has arrived.
 */
export function readBoundedParts(
  req: BodyRequest,
  maxBytes: number,
  errors: BoundedBodyErrors,
  onPart: (part: Buffer) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      reject(errors.tooLarge());
      return;
    }
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
    };
    const onData = (part: Buffer) => {
      size += part.length;
      if (size > maxBytes) {
        stop();
        // Drained, not held: the answer can still reach the client.
        req.resume();
        reject(errors.tooLarge());
      } else onPart(part);
    };
    const onEnd = () => {
      stop();
      resolve(size);
    };
    // Closed before its end: the client went away.
    const onClose = () => {
      stop();
      reject(errors.closed());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    // Stays attached: a late error of a request already answered is no one's to handle.
    req.on("error", reject);
  });
}

/** Reads the whole body into one buffer of its own within `maxBytes` (see {@link readBoundedParts}). */
export async function readBoundedBody(
  req: BodyRequest,
  maxBytes: number,
  errors: BoundedBodyErrors,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  const size = await readBoundedParts(req, maxBytes, errors, (part) => parts.push(part));
  // Copied even when it came in one part: a part may be a view of a larger
  // socket read that a kept body would otherwise hold alive.
  return Buffer.concat(parts, size);
}
