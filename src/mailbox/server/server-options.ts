/**
 * Options of the mailbox server and the one function that resolves their
 * defaults and checks them (a bad value is an `invalid_argument` naming the
 * option; open mode on a non-loopback host is refused).
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import type { MailboxCore } from "../core/mailbox-types.js";
import type { MailboxCoreSettings, MailboxStoreSettings } from "./open-core.js";

/** How callers prove who they are: claimed ids (`open`) or agent tokens (`tokens`). */
export type MailboxAuthMode = "open" | "tokens";

/** Options of `createMailboxServer`; every field but `adminKey` in token mode has a default. */
export interface MailboxServerOptions {
  /** Address to bind. Default `127.0.0.1`; open mode refuses anything beyond loopback. */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Where mail is stored: `:memory:` or a SQLite file path. Default `:memory:`. */
  readonly db?: string;
  /** A mailbox core to serve instead of opening `db` (the server closes it on close). */
  readonly core?: MailboxCore;
  /** Settings of the core opened for `db`: the `summarize` hook and the limits (payload bytes, id length, recipients). */
  readonly coreSettings?: MailboxCoreSettings;
  /** Settings of the store opened for `db`: `sqlite` for a file or `:memory:`, `postgres` for a URL (the other is unused). */
  readonly storeSettings?: MailboxStoreSettings;
  /** `open` (claimed identity, loopback only) or `tokens` (agent tokens). Default `open`. */
  readonly auth?: MailboxAuthMode;
  /** Token mode: the administrator key that registers agents (at least 16 characters). */
  readonly adminKey?: string;
  /** Largest request body of the HTTP routes and the typed service, in bytes. Default 2 MiB. */
  readonly maxBodyBytes?: number;
  /** Milliseconds between SSE heartbeat comments and Watch heartbeats. Default 15000. */
  readonly sseHeartbeatMs?: number;
  /** Most push streams (SSE and Watch) open at once over all agents. Default 1000. */
  readonly maxConcurrentStreams?: number;
  /** Most push streams open at once for one agent. Default 8. */
  readonly maxWatchersPerAgent?: number;
  /** Deliveries a push stream reads from the store per page (its backlog bound). Default 100. */
  readonly streamPageSize?: number;
  /** Milliseconds `close()` waits for open connections before destroying them. Default 5000. */
  readonly drainTimeoutMs?: number;
  /** Milliseconds a new connection may take to send its first bytes. Default 10000. */
  readonly firstBytesTimeoutMs?: number;
  /**
   * Milliseconds an idle HTTP/1.1 keep-alive connection is kept open (announced
   * as `Keep-Alive: timeout=`). Default 30000: well above the idle timeout of
   * clients (agentwire's closes idle connections after 4 s), so the client,
   * never the server, ends an idle connection and no request races its close.
   */
  readonly keepAliveTimeoutMs?: number;
  /** Receives warnings (binding beyond loopback in token mode) and notable events. */
  readonly onLog?: (line: string) => void;
}

/** {@link MailboxServerOptions} with every default applied. */
export interface ResolvedMailboxServerOptions {
  readonly host: string;
  readonly port: number;
  readonly db: string;
  readonly core: MailboxCore | undefined;
  readonly coreSettings: MailboxCoreSettings;
  readonly storeSettings: MailboxStoreSettings;
  readonly auth: MailboxAuthMode;
  readonly adminKey: string | undefined;
  readonly maxBodyBytes: number;
  readonly sseHeartbeatMs: number;
  readonly maxConcurrentStreams: number;
  readonly maxWatchersPerAgent: number;
  readonly streamPageSize: number;
  readonly drainTimeoutMs: number;
  readonly firstBytesTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly onLog: (line: string) => void;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === "localhost" ||
    host === "::1" ||
    host === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(host)
  );
}

function optionError(option: string, message: string): AgentwireError {
  return new AgentwireError("invalid_argument", `${option}: ${message}`, Code.InvalidArgument);
}

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw optionError(name, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

/** Checks the shape of `storeSettings` (each backend's store checks its own fields when it opens). */
function storeSettingsOf(settings: MailboxStoreSettings | undefined): MailboxStoreSettings {
  if (settings === undefined) return {};
  if (typeof settings !== "object" || settings === null || Array.isArray(settings))
    throw optionError("storeSettings", "expected an object with sqlite and/or postgres settings");
  for (const [key, value] of Object.entries(settings)) {
    if (key !== "sqlite" && key !== "postgres")
      throw optionError(
        "storeSettings",
        `unknown backend ${JSON.stringify(key)} (sqlite or postgres)`,
      );
    if (
      value !== undefined &&
      (typeof value !== "object" || value === null || Array.isArray(value))
    )
      throw optionError(`storeSettings.${key}`, "expected an object of store options");
  }
  return settings;
}

/** Applies the defaults and checks every option; throws AgentwireError `invalid_argument` naming it. */
export function resolveMailboxServerOptions(
  options: MailboxServerOptions = {},
): ResolvedMailboxServerOptions {
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw optionError("host", "expected an address");
  const auth = options.auth ?? "open";
  if (auth !== "open" && auth !== "tokens")
    throw optionError("auth", `expected "open" or "tokens", got ${JSON.stringify(auth)}`);
  if (auth === "open" && !isLoopbackHost(host))
    throw optionError(
      "host",
      `${host} is reachable from other machines; open mode trusts claimed identities and only binds loopback (use auth "tokens")`,
    );
  if (
    options.core !== undefined &&
    (options.db !== undefined ||
      options.coreSettings !== undefined ||
      options.storeSettings !== undefined)
  )
    throw optionError(
      "core",
      "give either a core or db (with coreSettings and storeSettings), not both",
    );
  const db = options.db ?? ":memory:";
  if (typeof db !== "string" || db === "")
    throw optionError("db", "expected :memory:, a SQLite file or a postgres:// URL");
  const adminKey = options.adminKey;
  if (auth === "tokens") {
    if (typeof adminKey !== "string" || adminKey.length < 16)
      throw optionError(
        "adminKey",
        "token mode needs an administrator key of 16 characters or more",
      );
  } else if (adminKey !== undefined) {
    throw optionError("adminKey", 'an administrator key only applies with auth "tokens"');
  }
  return {
    host,
    port: integer("port", options.port ?? 3000, 0, 65535),
    db,
    core: options.core,
    coreSettings: options.coreSettings ?? {},
    storeSettings: storeSettingsOf(options.storeSettings),
    auth,
    adminKey,
    maxBodyBytes: integer("maxBodyBytes", options.maxBodyBytes ?? 2 * 1024 * 1024, 1024),
    sseHeartbeatMs: integer("sseHeartbeatMs", options.sseHeartbeatMs ?? 15_000, 1),
    maxConcurrentStreams: integer("maxConcurrentStreams", options.maxConcurrentStreams ?? 1000, 1),
    maxWatchersPerAgent: integer("maxWatchersPerAgent", options.maxWatchersPerAgent ?? 8, 1),
    streamPageSize: integer("streamPageSize", options.streamPageSize ?? 100, 1, 10_000),
    drainTimeoutMs: integer("drainTimeoutMs", options.drainTimeoutMs ?? 5000, 0),
    firstBytesTimeoutMs: integer("firstBytesTimeoutMs", options.firstBytesTimeoutMs ?? 10_000, 1),
    keepAliveTimeoutMs: integer("keepAliveTimeoutMs", options.keepAliveTimeoutMs ?? 30_000, 1),
    onLog: options.onLog ?? (() => {}),
  };
}
