/**
 * Group commit for the SQLite store: sends that arrive in the same event-loop
 * turn share one transaction (one WAL commit), each inside its own savepoint
 * so that a failing send rolls back alone; every send is answered only after
 * the commit. Agents registered by committed sends are remembered, so later
 * sends skip their inserts (agents are never deleted), and the committed rows
 * go to `onCommitted` (the store keeps them parsed: unread mail is read soon).
 *
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";
import { unavailable } from "../core/mailbox-errors.js";
import type { AppendMessageInput, AppendMessageResult } from "./mailbox-store.js";
import { type AppendWrites, appendInTransaction } from "./sqlite-append.js";
import { convertSqliteError } from "./sqlite-errors.js";
import type { MessageRow, Statements } from "./sqlite-statements.js";

/** Appends through group commit. */
export interface GroupCommit {
  /** Queues a send for the next commit and resolves once it committed. */
  append(input: AppendMessageInput): Promise<AppendMessageResult>;
  /** Resolves once the sends queued so far are committed (or failed). */
  drained(): Promise<void>;
}

/** Creates the group commit of one connection; `onCommitted` gets the message rows of each commit. */
export function createGroupCommit(
  db: BetterSqlite3.Database,
  s: Statements,
  onCommitted: (rows: MessageRow[]) => void,
): GroupCommit {
  const knownAgents = new Set<string>();
  const single = db.transaction((input: AppendMessageInput, writes: AppendWrites) =>
    appendInTransaction(s, input, knownAgents, writes),
  );
  type Queued = {
    input: AppendMessageInput;
    resolve: (r: AppendMessageResult) => void;
    reject: (e: unknown) => void;
  };
  const group = db.transaction(
    (batch: Queued[], committed: { agents: string[]; rows: MessageRow[] }) =>
      batch.map((q) => {
        const mine: AppendWrites = { agents: [] };
        try {
          const value = single(q.input, mine);
          committed.agents.push(...mine.agents);
          if (mine.row !== undefined) committed.rows.push(mine.row);
          return { ok: true as const, value };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
  );
  let queue: Queued[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    let results: ReturnType<typeof group>;
    const committed = { agents: [] as string[], rows: [] as MessageRow[] };
    try {
      results = group.immediate(batch, committed);
    } catch (error) {
      for (const q of batch) q.reject(convertSqliteError(error));
      return;
    }
    for (const a of committed.agents) knownAgents.add(a);
    onCommitted(committed.rows);
    batch.forEach((q, i) => {
      const r = results[i]!;
      if (r.ok) q.resolve(r.value);
      else q.reject(convertSqliteError(r.error));
    });
  };
  const appendMessage = (input: AppendMessageInput) =>
    new Promise<AppendMessageResult>((resolve, reject) => {
      if (!db.open) return reject(unavailable("the mailbox store is closed"));
      queue.push({ input, resolve, reject });
      if (queue.length === 1) setImmediate(flush);
    });

  return {
    append: appendMessage,
    drained: () =>
      queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => setImmediate(r)),
  };
}
