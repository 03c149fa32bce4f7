/**
 * Browser request guards: a state-changing request that a browser marks as
 * cross-site (`Sec-Fetch-Site: cross-site`, or an `Origin` other than the
 * server's own) is refused, so a web page cannot post mail through a user's
 * local mailbox; and in open mode only loopback host names are answered (a
 * DNS-rebinding page sends its own). Clients outside browsers send neither header.
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { type NodeRequest, type NodeResponse, sendError } from "./http-status.js";

function header(req: NodeRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The host (and port) the request was addressed to: `Host`, or `:authority` over HTTP/2. */
export function requestHost(req: NodeRequest): string | undefined {
  return header(req, "host") ?? header(req, ":authority");
}

/** Throws `forbidden` when a browser marks the request as coming from another site. */
export function refuseCrossSite(req: NodeRequest): void {
  const site = header(req, "sec-fetch-site");
  const origin = header(req, "origin");
  const host = requestHost(req);
  const crossSite =
    site === "cross-site" ||
    (origin !== undefined &&
      (host === undefined || origin.toLowerCase() !== `http://${host}`.toLowerCase()));
  if (crossSite)
    throw new AgentwireError(
      "forbidden",
      "cross-site requests may not change the mailbox",
      Code.PermissionDenied,
    );
}

/** Whether a `Host` value names this machine's loopback interface. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return (
    name === "localhost" ||
    name === "[::1]" ||
    (name?.endsWith(".localhost") ?? false) ||
    /^127(\.\d{1,3}){3}$/.test(name ?? "")
  );
}

/** Throws `forbidden` when an open-mode (loopback) server is addressed by a name that is not loopback. */
export function refuseForeignHost(req: NodeRequest): void {
  if (!isLoopbackHostHeader(requestHost(req)))
    throw new AgentwireError(
      "forbidden",
      "this mailbox answers only loopback host names",
      Code.PermissionDenied,
    );
}

/**
 * Wraps the server's handler (typed service and HTTP routes alike) with the
 * browser guards: every POST is refused when cross-site, and in open mode
 * every request addressed by a non-loopback name.
 */
export function withBrowserGuards(
  handler: (req: NodeRequest, res: NodeResponse) => void,
  loopbackNamesOnly: boolean,
): (req: NodeRequest, res: NodeResponse) => void {
  return (req, res) => {
    try {
      if (loopbackNamesOnly) refuseForeignHost(req);
      if (req.method === "POST") refuseCrossSite(req);
    } catch (error) {
      sendError(res, error, () => {});
      return;
    }
    handler(req, res);
  };
}
