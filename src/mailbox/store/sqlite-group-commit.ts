/**
 * Group commit for the SQLite store: sends that arrive in the same event-loop
 * turn share one transaction (one WAL commit), each inside its own savepoint
 * so that a failing send rolls back alone; every send is answered only after
 * the commit is durable (`WalSync`: the WAL synced off the event loop; the
 * next group commits once that sync is done). Agents registered by committed
 * sends are remembered, so later sends skip their inserts (agents are never
 * deleted).
 *
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";
import { unavailable } from "../core/mailbox-errors.js";
import type { AppendMessageInput, AppendMessageResult } from "./mailbox-store.js";
import { appendInTransaction } from "./sqlite-append.js";
import { convertSqliteError } from "./sqlite-errors.js";
import type { Statements } from "./sqlite-statements.js";
import type { WalSync } from "./sqlite-wal-sync.js";

/** Appends through group commit. */
export interface GroupCommit {
  /** Queues a send for the next commit and resolves once it committed. */
  append(input: AppendMessageInput): Promise<AppendMessageResult>;
  /** Resolves once the sends queued so far are committed (or failed). */
  drained(): Promise<void>;
}

/** Creates the group commit of one connection; `sync` makes each commit durable. */
export function createGroupCommit(
  db: BetterSqlite3.Database,
  s: Statements,
  sync: WalSync,
): GroupCommit {
  const knownAgents = new Set<string>();
  const single = db.transaction((input: AppendMessageInput, registered: string[]) =>
    appendInTransaction(s, input, knownAgents, registered),
  );
  type Queued = {
    input: AppendMessageInput;
    resolve: (r: AppendMessageResult) => void;
    reject: (e: unknown) => void;
  };
  const group = db.transaction((batch: Queued[], registered: string[]) =>
    batch.map((q) => {
      const mine: string[] = [];
      try {
        const value = single(q.input, mine);
        registered.push(...mine);
        return { ok: true as const, value };
      } catch (error) {
        return { ok: false as const, error };
      }
    }),
  );
  let queue: Queued[] = [];
  let unsynced = 0;
  const flush = (): void => {
    // Nothing runs while the previous commit syncs; its wait gathers the next batch.
    if (sync.syncing) {
      void sync.idle().then(flush);
      return;
    }
    const batch = queue;
    queue = [];
    let results: ReturnType<typeof group>;
    const registered: string[] = [];
    try {
      results = group.immediate(batch, registered);
    } catch (error) {
      for (const q of batch) q.reject(convertSqliteError(error));
      return;
    }
    for (const a of registered) knownAgents.add(a);
    unsynced++;
    sync.committed().then(
      () => {
        unsynced--;
        batch.forEach((q, i) => {
          const r = results[i]!;
          if (r.ok) q.resolve(r.value);
          else q.reject(convertSqliteError(r.error));
        });
      },
      (error: unknown) => {
        unsynced--;
        for (const q of batch) q.reject(error);
      },
    );
  };
  const appendMessage = (input: AppendMessageInput) =>
    new Promise<AppendMessageResult>((resolve, reject) => {
      if (!db.open) return reject(unavailable("the mailbox store is closed"));
      queue.push({ input, resolve, reject });
      if (queue.length === 1) setImmediate(flush);
    });

  return {
    append: appendMessage,
    async drained() {
      while (queue.length > 0 || unsynced > 0 || sync.syncing)
        await new Promise<void>((r) => setImmediate(r));
    },
  };
}
