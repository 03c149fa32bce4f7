/**
 * The embedded mailbox store: one SQLite file (or `:memory:`) through
 * better-sqlite3 12, an optional peer dependency loaded only when this store is
 * created.
 *
 * Durability: WAL journal, committed before `appendMessage` resolves. With
 * `synchronous: "full"` (the default) every commit is fsynced: it survives a
 * killed process, a power cut and a kernel crash; group commit (below) makes
 * that one fsync per batch of concurrent sends, not per send. With
 * `synchronous: "normal"` the commit is written to the WAL file but not
 * fsynced: it still survives the process being killed (SIGKILL included: the
 * bytes are in the operating system's cache, which the next open reads), not a
 * power cut or a kernel crash.
 *
 * One connection serves every call: better-sqlite3 is synchronous, so each
 * method runs whole, as one transaction, before another starts. Sends that
 * arrive in the same event-loop turn are group-committed: one transaction and
 * one WAL commit for all, each send in its own savepoint (a failing send rolls
 * back alone), every one answered only after that commit. Several
 * processes may share the file (writes take `BEGIN IMMEDIATE` and wait up to
 * `busyTimeoutMs`), though watchers are woken only in the sending process.
 *
 * Pages: a database this store creates has 1 KiB pages (`pageSizeBytes`;
 * SQLite's default is 4 KiB). A send changes about a dozen pages, each in a
 * different B-tree (the thread, its message, the message's two indexes, every
 * recipient's membership and delivery), and SQLite writes a whole page for
 * each, to the WAL and again at the checkpoint: 1 KiB pages write a fifth of
 * the bytes per send (18 against 101 KiB), and measured about a third more
 * sends per second in the store alone, a fifth more over HTTP. A file that
 * exists keeps its page size.
 *
 * Checkpoints: the commit that grows the WAL past `walCheckpointKiB` (16,000
 * KiB) copies it into the database file. SQLite's default, 1000 pages, made
 * every fourth group commit of a send-heavy load carry a checkpoint (about a
 * quarter of all commit time) at 4 KiB pages; a larger WAL also copies a page
 * rewritten by many commits once.
 *
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";
import { invalidArgument, unavailable } from "../core/mailbox-errors.js";
import type {
  DeliveryRecord,
  MailboxStore,
  StoredMessage,
  StoredSummary,
  ThreadContextRecord,
  ThreadRecord,
  ThreadWithMessages,
} from "./mailbox-store.js";
import { importOptional } from "./optional-package.js";
import { convertSqliteError } from "./sqlite-errors.js";
import { createGroupCommit } from "./sqlite-group-commit.js";
import { migrateSqlite, sqliteSchemaVersion, sqliteVersionOf } from "./sqlite-schema.js";
import {
  type MessageRow,
  prepareStatements,
  type Statements,
  type ThreadRow,
  toStoredMessage,
  toThreadRecord,
} from "./sqlite-statements.js";

/** How a SQLite commit reaches the disk: `full` fsyncs it before the answer, `normal` leaves it to the OS. */
export type SqliteSynchronous = "normal" | "full";

/** Options of the SQLite mailbox store. */
export interface SqliteMailboxStoreOptions {
  /** The database file (created when missing), or `:memory:`. */
  path: string;
  /** `full` (default: fsync per commit, survives power loss) or `normal` (survives a killed process). */
  synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's lock, in milliseconds; 5000 by default. */
  busyTimeoutMs?: number;
  /** How many parsed messages are kept in memory (messages never change); 10,000 by default. */
  messageCacheEntries?: number;
  /**
   * SQLite's page cache, in KiB; 2048 by default (SQLite's own default;
   * better-sqlite3 builds with 16 MiB). The operating system caches the file
   * too, so a larger cache mostly costs the server memory.
   */
  pageCacheKiB?: number;
  /**
   * The WAL size, in KiB, at which a commit checkpoints it into the database
   * file; 16,000 by default (SQLite's own default is 1000 pages). A larger WAL
   * checkpoints less often and copies a page rewritten by many commits once,
   * at the cost of that much disk and a longer checkpoint.
   */
  walCheckpointKiB?: number;
  /**
   * The page size, in bytes, of a database file this store creates (a power
   * of two from 512 to 65536); 1024 by default (SQLite's own is 4096). Small
   * pages suit small mail; for messages of tens of KiB each, 4096 writes and
   * reads them faster (64 KiB messages: about 30 % faster sends). A file that
   * exists keeps its own page size.
   */
  pageSizeBytes?: number;
}

/** Checks the options and fills in the defaults. */
export function resolveSqliteMailboxStoreOptions(
  options: SqliteMailboxStoreOptions,
): Required<SqliteMailboxStoreOptions> {
  const {
    path,
    synchronous = "full",
    busyTimeoutMs = 5000,
    messageCacheEntries = 10_000,
    pageCacheKiB = 2048,
    walCheckpointKiB = 16_000,
    pageSizeBytes = 1024,
  } = options;
  if (typeof path !== "string" || path === "")
    throw invalidArgument("path: a database file or :memory: is required");
  if (synchronous !== "normal" && synchronous !== "full")
    throw invalidArgument(`synchronous: must be "normal" or "full", got ${String(synchronous)}`);
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0)
    throw invalidArgument(`busyTimeoutMs: must be a non-negative integer, got ${busyTimeoutMs}`);
  if (!Number.isInteger(messageCacheEntries) || messageCacheEntries < 0)
    throw invalidArgument(
      `messageCacheEntries: must be a non-negative integer, got ${messageCacheEntries}`,
    );
  if (!Number.isInteger(pageCacheKiB) || pageCacheKiB < 64)
    throw invalidArgument(`pageCacheKiB: must be an integer of at least 64, got ${pageCacheKiB}`);
  if (!Number.isInteger(walCheckpointKiB) || walCheckpointKiB < 64)
    throw invalidArgument(
      `walCheckpointKiB: must be an integer of at least 64, got ${walCheckpointKiB}`,
    );
  if (
    !Number.isInteger(pageSizeBytes) ||
    pageSizeBytes < 512 ||
    pageSizeBytes > 65536 ||
    (pageSizeBytes & (pageSizeBytes - 1)) !== 0
  )
    throw invalidArgument(
      `pageSizeBytes: must be a power of two from 512 to 65536, got ${pageSizeBytes}`,
    );
  return {
    path,
    synchronous,
    busyTimeoutMs,
    messageCacheEntries,
    pageCacheKiB,
    walCheckpointKiB,
    pageSizeBytes,
  };
}

/** Opens (creating and migrating as needed) a SQLite mailbox store. */
export async function createSqliteMailboxStore(
  options: SqliteMailboxStoreOptions,
): Promise<MailboxStore> {
  const opts = resolveSqliteMailboxStoreOptions(options);
  const Database = await importOptional<typeof BetterSqlite3>(
    "better-sqlite3",
    "The SQLite mailbox store",
  );
  let db: BetterSqlite3.Database;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  } catch (error) {
    throw unavailable(`cannot open the mailbox database ${opts.path}: ${String(error)}`, error);
  }
  try {
    // Takes effect only while the file is still empty, so before WAL mode writes its header.
    db.pragma(`page_size = ${opts.pageSizeBytes}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.pragma("foreign_keys = OFF");
    // A negative cache_size is in KiB.
    db.pragma(`cache_size = -${opts.pageCacheKiB}`);
    const pageBytes = db.pragma("page_size", { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.ceil((opts.walCheckpointKiB * 1024) / pageBytes)}`);
    migrateSqlite(db);
    const version = sqliteVersionOf(db);
    if (version > sqliteSchemaVersion)
      throw unavailable(
        `the mailbox database ${opts.path} is at schema version ${version}, newer than this agentwire (${sqliteSchemaVersion})`,
      );
  } catch (error) {
    db.close();
    throw convertSqliteError(error);
  }
  return sqliteStore(db, prepareStatements(db), opts.messageCacheEntries);
}

/** How many threads' parsed saved summaries the store keeps. */
const summaryCacheEntries = 256;

/** A message row as stored, not yet parsed. */
const isRow = (m: StoredMessage | MessageRow): m is MessageRow => "thread_id" in m;

function sqliteStore(
  db: BetterSqlite3.Database,
  s: Statements,
  messageCacheEntries: number,
): MailboxStore {
  // Prepared once: wrapping each call in db.transaction() would build a new
  // wrapper (and its statements' lookups) on every read.
  const begin = db.prepare("BEGIN");
  const beginImmediate = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  /** Runs `fn` as one transaction (immediate for writes) and converts what it throws. */
  const tx = <T>(write: boolean, fn: () => T): Promise<T> => {
    try {
      (write ? beginImmediate : begin).run();
      try {
        const out = fn();
        commit.run();
        return Promise.resolve(out);
      } catch (error) {
        // SQLite may have rolled back already (a full disk, an interrupt).
        if (db.inTransaction) rollback.run();
        throw error;
      }
    } catch (error) {
      return Promise.reject(convertSqliteError(error));
    }
  };
  // Messages never change: they are kept by row id (the oldest dropped first)
  // so that unread and Watch read only (seq, rowid) pairs for what was seen
  // before. A committed send is kept at once as the row it wrote (unread mail
  // is read soon) and parsed when first read.
  const messages = new Map<number, StoredMessage | MessageRow>();
  const keep = (rid: number, m: StoredMessage | MessageRow) => {
    messages.set(rid, m);
    if (messages.size > messageCacheEntries)
      messages.delete(messages.keys().next().value as number);
  };
  const groupCommit = createGroupCommit(db, s, (rows) => {
    if (messageCacheEntries > 0) for (const row of rows) keep(row.rid, row);
  });
  const appendMessage = groupCommit.append;

  const keptParsed = (rid: number): StoredMessage | undefined => {
    const kept = messages.get(rid);
    return kept === undefined || isRow(kept) ? undefined : kept;
  };
  const parse = (row: MessageRow): StoredMessage => {
    const m = toStoredMessage(row);
    keep(row.rid, m);
    return m;
  };
  /** The parsed message of a row read from the file. */
  const parsed = (row: MessageRow): StoredMessage => keptParsed(row.rid) ?? parse(row);
  /** The parsed message of a row id: kept, parsed from the kept row, or read and parsed. */
  const byRid = (rid: number): StoredMessage =>
    keptParsed(rid) ??
    parse((messages.get(rid) as MessageRow | undefined) ?? (s.messageByRid.get(rid) as MessageRow));
  const deliveryRows = (rows: { seq: number; rid: number }[]): DeliveryRecord[] =>
    rows.map((r) => ({ seq: BigInt(r.seq), message: byRid(r.rid) }));
  const threadRecord = (threadId: string): ThreadRecord | undefined => {
    const row = s.threadById.get(threadId) as ThreadRow | undefined;
    return row ? toThreadRecord(s, row) : undefined;
  };
  const withMessages = (t: ThreadRecord): ThreadWithMessages => ({
    ...t,
    messages: (s.messagesFrom.all(t.id, 0) as MessageRow[]).map(parsed),
  });
  // A thread's saved summary is only ever replaced by one covering more
  // messages, so a parsed summary is valid for as long as its covers_count is
  // the row's: each context read checks the count and parses only a new one.
  const summaries = new Map<string, StoredSummary>();
  const savedSummary = (threadId: string): StoredSummary | undefined => {
    const covers = s.summaryCovers.get(threadId) as number | undefined;
    if (covers === undefined) return undefined;
    const kept = summaries.get(threadId);
    if (kept?.coversCount === covers) return kept;
    const row = s.summary.get(threadId) as { covers_count: number; summary: string };
    const parsedSummary = { coversCount: row.covers_count, summary: JSON.parse(row.summary) };
    summaries.delete(threadId);
    summaries.set(threadId, parsedSummary);
    if (summaries.size > summaryCacheEntries)
      summaries.delete(summaries.keys().next().value as string);
    return parsedSummary;
  };

  return {
    backend: "sqlite",
    registerAgent: (agentId) => tx(true, () => s.insertAgent.run(agentId, Date.now()).changes > 0),
    appendMessage,
    markRead: (agentId, threadId, upToSeq) =>
      tx(true, () => {
        const c = s.cursor.get(agentId, threadId) as
          | { read_seq: number; last_seq: number }
          | undefined;
        if (!c) return 0n;
        let target = c.last_seq;
        if (upToSeq !== undefined && upToSeq < BigInt(c.last_seq)) target = Number(upToSeq);
        const next = Math.max(c.read_seq, target);
        const left =
          next >= c.last_seq ? 0 : (s.countAfter.get(agentId, threadId, next) as { c: number }).c;
        s.setCursor.run(next, left, agentId, threadId);
        return BigInt(next);
      }),
    unreadDeliveries: (agentId, afterSeq, limit) =>
      tx(false, () =>
        deliveryRows(s.unread.all(agentId, afterSeq, limit > 0 ? limit : -1) as never),
      ),
    unreadVersion: (agentId) => tx(false, () => (s.unreadVersion.get(agentId) as { v: string }).v),
    deliveriesAfter: (agentId, afterSeq, limit) =>
      tx(false, () =>
        deliveryRows(s.deliveriesAfter.all(agentId, afterSeq, limit > 0 ? limit : -1) as never),
      ),
    latestSeq: (agentId) =>
      tx(false, () => {
        const row = s.agentSeq.get(agentId) as { last_seq: number } | undefined;
        return BigInt(row?.last_seq ?? 0);
      }),
    thread: (threadId) => tx(false, () => threadRecord(threadId)),
    threadWithMessages: (threadId) =>
      tx(false, () => {
        const t = threadRecord(threadId);
        return t ? withMessages(t) : undefined;
      }),
    threadContexts: (threadIds, recent, olderLimit) =>
      tx(false, () => {
        const out = new Map<string, ThreadContextRecord>();
        for (const id of threadIds) {
          if (out.has(id)) continue;
          const thread = threadRecord(id);
          if (!thread) continue;
          const firstRecent = Math.max(0, thread.messageCount - recent);
          out.set(id, {
            thread,
            recent: (s.ridsFrom.all(id, firstRecent) as number[]).map(byRid),
            olderNewestFirst:
              firstRecent > 0 && olderLimit > 0
                ? (s.olderRidsNewestFirst.all(id, firstRecent, olderLimit) as number[]).map(byRid)
                : [],
            summary: savedSummary(id),
          });
        }
        return out;
      }),
    messageCounts: (threadIds) =>
      tx(false, () => {
        const out = new Map<string, number>();
        for (const id of threadIds) {
          const row = s.messageCount.get(id) as { message_count: number } | undefined;
          if (row) out.set(id, row.message_count);
        }
        return out;
      }),
    threadMessages: (threadId, fromIndex, toIndex) =>
      tx(false, (): StoredMessage[] =>
        (s.messagesRange.all(threadId, fromIndex, toIndex) as MessageRow[]).map(parsed),
      ),
    saveSummary: (threadId, summary) =>
      tx(true, () => {
        s.saveSummary.run(threadId, summary.coversCount, JSON.stringify(summary.summary));
      }),
    mailboxPage: (agentId, limit, offset) =>
      tx(false, () => ({
        threads: (s.pageThreads.all(agentId, limit, offset) as ThreadRow[]).map((row) =>
          withMessages(toThreadRecord(s, row)),
        ),
        unreadCount: (s.unreadCount.get(agentId) as { c: number }).c,
        total: (s.threadTotal.get(agentId) as { c: number }).c,
      })),
    setTokenHash: (agentId, tokenHash) =>
      tx(true, () => {
        const now = Date.now();
        s.insertAgent.run(agentId, now);
        s.deleteToken.run(agentId);
        s.insertToken.run(tokenHash, agentId, now);
      }),
    hasToken: (agentId) => tx(false, () => s.hasToken.get(agentId) !== undefined),
    agentForTokenHash: (tokenHash) =>
      tx(false, () => (s.tokenAgent.get(tokenHash) as { agent_id: string } | undefined)?.agent_id),
    health: async () => {
      try {
        db.prepare("SELECT 1").get();
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: String((convertSqliteError(error) as Error).message) };
      }
    },
    close: async () => {
      await groupCommit.drained();
      if (db.open) db.close();
    },
  };
}
