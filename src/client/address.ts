import { Code } from "@connectrpc/connect";
import { AgentwireError, assertArgument } from "./errors.js";

/** The sidecar address agents use when nothing else is configured. */
export const defaultSidecarAddress = "localhost:9090";

/**
 * Turns a sidecar address into the base URL of its plaintext HTTP/2 endpoint.
 * Accepts `host:port`, `[v6]:port`, or an `http://` URL; with no address it
 * reads `GRPC_SERVER_ADDR` (the variable existing agents use), then falls back
 * to `localhost:9090`.
 */
export function resolveSidecarUrl(
  address?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const raw = (address ?? env.GRPC_SERVER_ADDR ?? defaultSidecarAddress).trim();
  assertArgument(raw !== "", "sidecar address: empty string");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid(raw);
    }
    assertArgument(
      url.protocol === "http:",
      `sidecar address ${JSON.stringify(raw)}: only plaintext http:// is supported (the sidecar speaks h2c)`,
    );
    return url.origin;
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]/\s]+):(\d{1,5})$/i.exec(raw);
  if (!match) throw invalid(raw);
  const port = Number(match[2]);
  assertArgument(
    port > 0 && port < 65536,
    `sidecar address ${JSON.stringify(raw)}: port out of range`,
  );
  return `http://${match[1]}:${port}`;
}

function invalid(raw: string): AgentwireError {
  return new AgentwireError(
    "invalid_argument",
    `sidecar address ${JSON.stringify(raw)}: expected host:port or http://host:port`,
    Code.InvalidArgument,
  );
}
