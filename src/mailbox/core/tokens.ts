/**
 * Agent tokens for token mode: random, shown once, stored only as a sha256
 * hash (a leaked database does not leak working tokens).
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";

/** The prefix that makes an agentwire mailbox token recognisable (e.g. by secret scanners). */
export const tokenPrefix = "awmt_";

/** The longest string looked up as a token. */
export const maxTokenLength = 256;

/** A new token: the prefix and 32 random bytes, base64url. */
export function newToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString("base64url")}`;
}

/** The stored form of a token: its sha256 as hex. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
