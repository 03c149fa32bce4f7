/**
 * The push listener of the PostgreSQL store: one dedicated connection (outside
 * the pool) that `LISTEN`s on the mailbox channel and hands the recipients
 * announced by other servers' sends to the store's `onDeliveries` listeners.
 *
 * A notification carries no mail, only who got some: a woken watcher re-reads
 * its deliveries after its own cursor. So when the connection drops (the
 * database restarts, someone runs `pg_terminate_backend`, the network breaks)
 * nothing is lost: the listener reconnects with a capped backoff, `LISTEN`s
 * again, and then wakes every agent that has mail at all (a *catch-up*, paged
 * by agent id), so that watchers re-read whatever was committed while it was
 * deaf. A periodic `SELECT 1` finds a connection that died silently.
 *
 * @module
 */
import type Pg from "pg";

/** Where the listener is. */
export type PgListenerState = "connecting" | "listening" | "reconnecting" | "closed";

/** The push listener of one store. */
export interface PgPushListener {
  /** Where the listener is now. */
  readonly state: PgListenerState;
  /** Why the last connection failed, while it is reconnecting. */
  readonly lastError: string | undefined;
  /** How many times it has connected again after losing its connection. */
  readonly reconnects: number;
  /** The backend process id of its current connection (for tests and diagnostics). */
  readonly backendPid: number | undefined;
  /** Adds a listener of recipients; returns the function that removes it. */
  subscribe(listener: (agentIds: readonly string[]) => void): () => void;
  /** Stops listening and closes the connection; no reconnect follows. */
  close(): Promise<void>;
}

/** What the listener needs. */
export interface PgPushListenerOptions {
  /** Creates an unconnected client for the database. */
  newClient(): Pg.Client;
  /** The channel to listen on. */
  channel: string;
  /** This store's id: notifications it sent itself are skipped (its core already woke those watchers). */
  source: string;
  /** The longest pause between reconnect attempts, in milliseconds. */
  retryMaxMs: number;
  /** How often the connection is checked, in milliseconds. */
  checkMs: number;
}

const catchUpPage = 5000;
const firstRetryMs = 50;

/** Parses a notification payload `{s, a}`; anything else is ignored. */
function parsePayload(payload: string | undefined): { s: string; a: string[] } | undefined {
  if (payload === undefined) return undefined;
  try {
    const v = JSON.parse(payload) as { s?: unknown; a?: unknown };
    if (typeof v.s !== "string" || !Array.isArray(v.a)) return undefined;
    return { s: v.s, a: v.a.filter((x): x is string => typeof x === "string") };
  } catch {
    return undefined;
  }
}

/** Connects the listener (rejecting when the first connection fails) and keeps it connected until closed. */
export async function startPgPushListener(opts: PgPushListenerOptions): Promise<PgPushListener> {
  const listeners = new Set<(agentIds: readonly string[]) => void>();
  let state: PgListenerState = "connecting";
  let lastError: string | undefined;
  let reconnects = 0;
  let client: Pg.Client | undefined;
  let generation = 0;
  let retryMs = firstRetryMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let checkTimer: NodeJS.Timeout | undefined;

  const emit = (ids: readonly string[]) => {
    if (ids.length === 0) return;
    for (const l of [...listeners]) {
      try {
        l(ids);
      } catch {
        // One broken listener does not keep the others from waking.
      }
    }
  };

  /** Wakes every agent with mail, page by page, on the listener's own connection. */
  const catchUp = async (c: Pg.Client) => {
    let after = "";
    for (;;) {
      const r = await c.query<{ id: string }>(
        "SELECT id FROM mailbox_agents WHERE id > $1 AND last_seq > 0 ORDER BY id LIMIT $2",
        [after, catchUpPage],
      );
      emit(r.rows.map((x) => x.id));
      const last = r.rows.at(-1);
      if (!last || r.rows.length < catchUpPage) return;
      after = last.id;
    }
  };

  /** Gives up connection `c` of generation `gen` and schedules the next attempt. */
  const drop = (gen: number, c: Pg.Client, error: unknown) => {
    if (gen !== generation || state === "closed") return;
    generation++;
    lastError = error instanceof Error ? error.message : String(error);
    client = undefined;
    clearInterval(checkTimer);
    c.removeAllListeners("notification");
    c.on("error", () => {});
    c.end().catch(() => {});
    state = "reconnecting";
    retryTimer = setTimeout(() => void connect(true).catch(() => {}), retryMs);
    retryMs = Math.min(retryMs * 2, opts.retryMaxMs);
  };

  const connect = async (isReconnect: boolean) => {
    if (state === "closed") return;
    const gen = ++generation;
    const c = opts.newClient();
    c.on("error", (e) => drop(gen, c, e));
    c.on("end", () => drop(gen, c, new Error("the listener connection ended")));
    c.on("notification", (msg) => {
      if (msg.channel !== opts.channel) return;
      const p = parsePayload(msg.payload);
      if (p && p.s !== opts.source) emit(p.a);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
      if (gen !== generation) {
        await c.end().catch(() => {});
        return;
      }
      client = c;
      // Everything committed from here on is announced; what came before, the catch-up finds.
      if (isReconnect && listeners.size > 0) await catchUp(c);
      if (gen !== generation) return;
      state = "listening";
      lastError = undefined;
      retryMs = firstRetryMs;
      if (isReconnect) reconnects++;
      checkTimer = setInterval(() => check(gen, c), opts.checkMs);
      checkTimer.unref();
    } catch (error) {
      if (!isReconnect) {
        generation++;
        c.on("error", () => {});
        await c.end().catch(() => {});
        throw error;
      }
      drop(gen, c, error);
    }
  };

  const check = (gen: number, c: Pg.Client) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("the listener connection stopped answering")),
        opts.checkMs,
      );
    });
    Promise.race([c.query("SELECT 1"), timeout])
      .catch((e: unknown) => drop(gen, c, e))
      .finally(() => clearTimeout(timer));
  };

  await connect(false);

  return {
    get state() {
      return state;
    },
    get lastError() {
      return lastError;
    },
    get reconnects() {
      return reconnects;
    },
    get backendPid() {
      return (client as (Pg.Client & { processID?: number }) | undefined)?.processID;
    },
    subscribe(listener) {
      const entry = (ids: readonly string[]) => listener(ids);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    async close() {
      if (state === "closed") return;
      state = "closed";
      generation++;
      clearTimeout(retryTimer);
      clearInterval(checkTimer);
      listeners.clear();
      const c = client;
      client = undefined;
      if (c) {
        c.on("error", () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
