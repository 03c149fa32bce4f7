import type { Transport } from "@connectrpc/connect";
import { assertArgument } from "../../client/errors.js";
import type { JsonValue } from "./mail-types.js";

/** How the client speaks to the server: the Connect protocol over HTTP/1.1, or gRPC over HTTP/2. */
export type MailboxProtocol = "connect" | "grpc";

/** Options of `createMailbox`. */
export interface MailboxOptions<P extends JsonValue = JsonValue> {
  /** The agent this client acts for, e.g. `researcher@demo` (1 to 256 characters). */
  agentId: string;
  /** The mailbox server, e.g. `http://127.0.0.1:3000`; required unless `transport` is given. */
  baseUrl?: string;
  /** Token mode: this agent's token, sent as `Authorization: Bearer TOKEN`. */
  token?: string;
  /** Deadline of each call that passes no `timeoutMs`, retries included, in milliseconds; 0 means none (default 10000). */
  timeoutMs?: number;
  /** The wire protocol (default "connect": plain HTTP/1.1 POSTs that pass ordinary proxies). */
  protocol?: MailboxProtocol;
  /**
   * Checks every inbound payload (deliveries, thread messages, context
   * messages) and gives it its type; throwing means invalid. Without it,
   * payloads are trusted to be `P`.
   */
  validate?: (payload: unknown) => P;
  /** How many times an idempotent read is tried in all when it fails retryably (default 3; sends are tried once). */
  readAttempts?: number;
  /** The upper bound of the first retry or reconnect delay, in milliseconds (default 100). */
  initialDelayMs?: number;
  /** The largest retry or reconnect delay, in milliseconds (default 5000). */
  maxDelayMs?: number;
  /** Consecutive failed watch streams after which a watch gives up with reason "gave_up" (default: never). */
  reconnectAttempts?: number;
  /** A watch stream that brings nothing (not even a heartbeat) for this long is reopened, in milliseconds; 0 means never (default 60000). */
  idleTimeoutMs?: number;
  /** The largest message accepted from the server, in bytes (default 64 MiB). */
  readMaxBytes?: number;
  /**
   * An idle keep-alive connection is closed by the client after this long, in
   * milliseconds, when the server announces no keep-alive timeout (default
   * 4000). A server's `Keep-Alive: timeout=N` sets it to N-1 s instead, up to
   * `socketIdleMaxMs`. It must stay below the server's keep-alive timeout: a
   * send is not retried, so one written onto a connection the server is
   * closing fails.
   */
  socketIdleTimeoutMs?: number;
  /**
   * The longest a server's `Keep-Alive: timeout` hint may keep an idle
   * connection open, in milliseconds: 60,000 by default, or
   * `socketIdleTimeoutMs` when that is set (a hint then only shortens it).
   */
  socketIdleMaxMs?: number;
  /**
   * A Connect transport to use instead of opening connections (e.g. the
   * testing kit's in-memory mailbox); `baseUrl` and `protocol` are then ignored.
   */
  transport?: Transport;
}

/** MailboxOptions with every default filled in. */
export interface ResolvedMailboxOptions<P extends JsonValue = JsonValue> {
  agentId: string;
  baseUrl: string;
  token: string | undefined;
  timeoutMs: number;
  protocol: MailboxProtocol;
  validate: ((payload: unknown) => P) | undefined;
  readAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  reconnectAttempts: number;
  idleTimeoutMs: number;
  readMaxBytes: number;
  socketIdleTimeoutMs: number;
  socketIdleMaxMs: number;
  transport: Transport | undefined;
}

/**
 * Fills in the defaults of MailboxOptions, the only place they are decided,
 * and checks every value: a bad one throws an AgentwireError of reason
 * "invalid_argument" that names the option.
 */
export function resolveMailboxOptions<P extends JsonValue = JsonValue>(
  options: MailboxOptions<P>,
): ResolvedMailboxOptions<P> {
  const o = options ?? ({} as MailboxOptions<P>);
  assertArgument(
    typeof o.agentId === "string" && o.agentId.length >= 1 && o.agentId.length <= 256,
    `createMailbox: agentId must be a string of 1 to 256 characters, got ${describe(o.agentId)}`,
  );
  assertArgument(
    o.transport !== undefined || typeof o.baseUrl === "string",
    "createMailbox: baseUrl is required (e.g. http://127.0.0.1:3000) unless a transport is given",
  );
  let baseUrl = "in-memory";
  if (typeof o.baseUrl === "string") {
    let url: URL | undefined;
    try {
      url = new URL(o.baseUrl);
    } catch {
      url = undefined;
    }
    assertArgument(
      url !== undefined && (url.protocol === "http:" || url.protocol === "https:"),
      `createMailbox: baseUrl must be an http:// or https:// URL, got ${describe(o.baseUrl)}`,
    );
    baseUrl = o.baseUrl.replace(/\/+$/, "");
  }
  assertArgument(
    o.token === undefined || (typeof o.token === "string" && o.token.length > 0),
    "createMailbox: token must be a non-empty string when given",
  );
  const protocol = o.protocol ?? "connect";
  assertArgument(
    protocol === "connect" || protocol === "grpc",
    `createMailbox: protocol must be "connect" or "grpc", got ${describe(protocol)}`,
  );
  assertArgument(
    o.validate === undefined || typeof o.validate === "function",
    "createMailbox: validate must be a function (payload: unknown) => P",
  );
  const resolved: ResolvedMailboxOptions<P> = {
    agentId: o.agentId,
    baseUrl,
    token: o.token,
    timeoutMs: o.timeoutMs ?? 10_000,
    protocol,
    validate: o.validate,
    readAttempts: o.readAttempts ?? 3,
    initialDelayMs: o.initialDelayMs ?? 100,
    maxDelayMs: o.maxDelayMs ?? 5000,
    reconnectAttempts: o.reconnectAttempts ?? Number.POSITIVE_INFINITY,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    readMaxBytes: o.readMaxBytes ?? 64 * 1024 * 1024,
    socketIdleTimeoutMs: o.socketIdleTimeoutMs ?? 4000,
    socketIdleMaxMs: o.socketIdleMaxMs ?? o.socketIdleTimeoutMs ?? 60_000,
    transport: o.transport,
  };
  for (const name of ["timeoutMs", "initialDelayMs", "maxDelayMs", "idleTimeoutMs"] as const) {
    assertNumber(name, resolved[name], 0);
  }
  for (const name of [
    "readAttempts",
    "reconnectAttempts",
    "readMaxBytes",
    "socketIdleTimeoutMs",
    "socketIdleMaxMs",
  ] as const) {
    assertNumber(name, resolved[name], 1);
  }
  assertArgument(
    resolved.maxDelayMs >= resolved.initialDelayMs,
    `createMailbox: maxDelayMs (${resolved.maxDelayMs}) must not be below initialDelayMs (${resolved.initialDelayMs})`,
  );
  return resolved;
}

function assertNumber(name: string, value: unknown, min: number): void {
  assertArgument(
    typeof value === "number" && !Number.isNaN(value) && value >= min,
    `createMailbox: ${name} must be a number of at least ${min}, got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
