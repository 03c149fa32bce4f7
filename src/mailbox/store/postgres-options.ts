/**
 * Options of the PostgreSQL mailbox store and the one function that checks
 * them and fills in the defaults.
 *
 * @module
 */
import { invalidArgument } from "../core/mailbox-errors.js";

/** Options of the PostgreSQL mailbox store. */
export interface PostgresMailboxStoreOptions {
  /** The database, as a `postgres://` or `postgresql://` URL. */
  url: string;
  /** Most connections the pool opens for queries (the push listener has one more of its own); 10 by default. */
  maxConnections?: number;
  /** How long opening a connection, or waiting for a free one in the pool, may take, in milliseconds; 5000 by default. */
  connectTimeoutMs?: number;
  /** Server-side limit on one statement (its lock waits included), in milliseconds; 15000 by default, 0 for none. */
  statementTimeoutMs?: number;
  /** How long an idle pooled connection is kept before it is closed, in milliseconds; 30000 by default. */
  idleTimeoutMs?: number;
  /** The LISTEN/NOTIFY channel servers sharing the database push on; `agentwire_mailbox` by default. */
  channel?: string;
  /** The longest pause between two reconnect attempts of the push listener, in milliseconds; 5000 by default. */
  listenerRetryMaxMs?: number;
  /** How often the push listener checks that its connection still answers, in milliseconds; 10000 by default. */
  listenerCheckMs?: number;
  /** The `application_name` the connections show in `pg_stat_activity`; `agentwire-mailbox` by default. */
  applicationName?: string;
}

/** {@link PostgresMailboxStoreOptions} with every default applied. */
export type ResolvedPostgresMailboxStoreOptions = Required<PostgresMailboxStoreOptions>;

function integer(name: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw invalidArgument(
      `${name}: expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  return value;
}

/** Whether a `db` string names a PostgreSQL database (a `postgres://` or `postgresql://` URL). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** Checks the options and fills in the defaults; a bad value is `invalid_argument` naming the option. */
export function resolvePostgresMailboxStoreOptions(
  options: PostgresMailboxStoreOptions,
): ResolvedPostgresMailboxStoreOptions {
  const { url } = options;
  if (typeof url !== "string" || !isPostgresUrl(url))
    throw invalidArgument("url: expected a postgres:// or postgresql:// URL");
  try {
    new URL(url);
  } catch {
    throw invalidArgument("url: not a valid URL");
  }
  const channel = options.channel ?? "agentwire_mailbox";
  if (typeof channel !== "string" || !/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw invalidArgument(
      `channel: expected a lower-case identifier of at most 63 characters, got ${JSON.stringify(channel)}`,
    );
  const applicationName = options.applicationName ?? "agentwire-mailbox";
  if (typeof applicationName !== "string" || applicationName.length > 63)
    throw invalidArgument("applicationName: expected a string of at most 63 characters");
  const day = 86_400_000;
  return {
    url,
    maxConnections: integer("maxConnections", options.maxConnections ?? 10, 1, 1000),
    connectTimeoutMs: integer("connectTimeoutMs", options.connectTimeoutMs ?? 5000, 1, day),
    statementTimeoutMs: integer("statementTimeoutMs", options.statementTimeoutMs ?? 15_000, 0, day),
    idleTimeoutMs: integer("idleTimeoutMs", options.idleTimeoutMs ?? 30_000, 1, day),
    channel,
    listenerRetryMaxMs: integer("listenerRetryMaxMs", options.listenerRetryMaxMs ?? 5000, 1, day),
    listenerCheckMs: integer("listenerCheckMs", options.listenerCheckMs ?? 10_000, 1, day),
    applicationName,
  };
}
