/**
 * Matching a request path against the AgentMailbox route patterns: the path
 * is split into segments first and each is percent-decoded on its own (so an
 * agent id may hold an encoded `/`); malformed percent-encoding is a 400.
 *
 * @module
 */
import { badField } from "./http-status.js";

/** The decoded segments of a URL path (`/a/b%2Fc` -> `["a", "b/c"]`); throws 400 on malformed encoding. */
export function pathSegments(pathname: string): string[] {
  const raw = pathname.split("/").slice(1);
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  return raw.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badField("the request path has malformed percent-encoding");
    }
  });
}

/** A route pattern such as `/mailbox/:agentId/unread`, compiled for matching. */
export interface RoutePattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** Its parameters by name, or undefined when `segments` do not match. */
  match(segments: readonly string[]): Record<string, string> | undefined;
}

/** Compiles a route pattern (`:name` segments are parameters; they must be non-empty). */
export function routePattern(pattern: string): RoutePattern {
  const parts = pattern.split("/").slice(1);
  return {
    pattern,
    match(segments) {
      if (segments.length !== parts.length) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        const segment = segments[i] as string;
        if (part.startsWith(":")) {
          if (segment === "") return undefined;
          params[part.slice(1)] = segment;
        } else if (part !== segment) return undefined;
      }
      return params;
    },
  };
}
