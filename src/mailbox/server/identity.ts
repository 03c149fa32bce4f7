/**
 * Who is calling: in open mode the identity a request claims (`from`,
 * `:agentId`, `as`) is taken as is; in token mode the caller is derived from
 * its bearer token (the administrator key, or an agent token the core knows by
 * its hash) and a claim naming anyone else is refused, before anything changes.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import type { MailboxCore } from "../core/mailbox-types.js";
import type { MailboxAuthMode } from "./server-options.js";

/** The proven (or, in open mode, unproven) caller of one request. */
export type MailboxCaller =
  /** Open mode: whoever the request claims to be. */
  | { readonly kind: "claimed" }
  /** Token mode: the administrator key (it registers agents, nothing else). */
  | { readonly kind: "admin" }
  /** Token mode: the agent whose token the request carries. */
  | { readonly kind: "agent"; readonly agentId: string };

/** Authentication of the mailbox's requests, shared by the HTTP routes and the typed service. */
export interface MailboxAuth {
  /** `open` or `tokens`. */
  readonly mode: MailboxAuthMode;
  /** The caller of a request from its `Authorization` header; `unauthenticated` in token mode without a known token. */
  authenticate(authorization: string | null | undefined): Promise<MailboxCaller>;
  /** The agent a request acts as: the claim in open mode, the token's agent in token mode (`forbidden` when `claimed` names another; `field` names the claim). */
  actAs(caller: MailboxCaller, claimed: string, field: string): string;
}

/** Creates the error of a request without a credential the server knows. */
export function unauthenticatedError(): AgentwireError {
  return new AgentwireError("unauthenticated", "unauthorized", Code.Unauthenticated);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  return match?.[1];
}

/** Creates the authentication of a server in `mode` (token mode needs `adminKey`). */
export function createMailboxAuth(
  mode: MailboxAuthMode,
  core: MailboxCore,
  adminKey: string | undefined,
): MailboxAuth {
  const adminDigest = adminKey === undefined ? undefined : digest(adminKey);
  const claimed: MailboxCaller = { kind: "claimed" };
  return {
    mode,
    async authenticate(authorization) {
      if (mode === "open") return claimed;
      const token = bearerToken(authorization);
      if (token === undefined) throw unauthenticatedError();
      // Comparing digests keeps the comparison constant-time whatever the lengths.
      if (adminDigest !== undefined && timingSafeEqual(digest(token), adminDigest))
        return { kind: "admin" };
      const agentId = await core.agentForToken(token);
      if (agentId === undefined) throw unauthenticatedError();
      return { kind: "agent", agentId };
    },
    actAs(caller, claim, field) {
      if (caller.kind === "claimed") return claim;
      if (caller.kind === "admin")
        throw new AgentwireError(
          "forbidden",
          "the administrator key only registers agents; call with the agent's token",
          Code.PermissionDenied,
        );
      if (claim !== caller.agentId)
        throw new AgentwireError(
          "forbidden",
          `${field} names another agent than the token's (${caller.agentId})`,
          Code.PermissionDenied,
        );
      return claim;
    },
  };
}
