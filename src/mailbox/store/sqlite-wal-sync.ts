/**
 * Durable SQLite commits without blocking the event loop. With
 * `synchronous = FULL` SQLite fsyncs the WAL inside `COMMIT`, on the one
 * thread that also parses every request: under load that wait was the
 * largest part of a send's time on the loop. Here the connection runs with
 * `synchronous = NORMAL` (a commit is written to the WAL, not synced; SQLite
 * still syncs around checkpoints, so a checkpoint never moves unsynced
 * frames) and, after each write transaction, the WAL file is fdatasync'ed on
 * libuv's thread pool; the write resolves only after a sync that began after
 * its commit completed. What an answered write promised is kept: it is on
 * disk, as with FULL.
 *
 * While a sync runs the store runs nothing else, reads included: no one sees
 * a commit before it is durable (a delivery seen and then lost in a power cut
 * would hand its sequence number to another message, which a cursor reader
 * would then skip). Requests keep being parsed meanwhile, and the sends they
 * bring commit together afterwards. (Another process sharing the file may
 * read a commit before its sync; only a power cut or kernel crash in that
 * window could then take it back.)
 *
 * @module
 */
import { closeSync, fdatasync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { unavailable } from "../core/mailbox-errors.js";

/** Serialises the store's work around asynchronous WAL syncs. */
export interface WalSync {
  /** Runs `fn` (one synchronous transaction) once no sync runs; a write resolves once it is durable. */
  run<T>(write: boolean, fn: () => T): Promise<T>;
  /** Resolves once no sync runs (at once when none does). */
  idle(): Promise<void>;
  /** After a commit made outside `run`: resolves once a sync begun after it completed. */
  committed(): Promise<void>;
  /** Whether a sync runs now (the store must not run anything). */
  readonly syncing: boolean;
  /** Lets go of the WAL file. */
  close(): void;
}

/** No asynchronous sync: the connection's own `synchronous` setting decides (`:memory:`, NORMAL). */
export function inlineWalSync(): WalSync {
  const now = Promise.resolve();
  return {
    run: (_write, fn) => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    idle: () => now,
    committed: () => now,
    syncing: false,
    close: () => {},
  };
}

/**
 * Opens the WAL of the database at `path` (which must be open in WAL mode)
 * for asynchronous syncs; undefined when there is no WAL file to sync.
 */
export function openWalSync(path: string): WalSync | undefined {
  let fd: number;
  try {
    fd = openSync(`${path}-wal`, "r");
  } catch {
    return undefined;
  }
  // The WAL file's directory entry, once, as SQLite does after creating it.
  try {
    const dir = openSync(dirname(path), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems refuse to sync a directory; the file itself is synced below.
  }
  let syncing = false;
  let waiters: (() => void)[] = [];
  let closed = false;

  const committed = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (closed) return resolve();
      syncing = true;
      fdatasync(fd, (error) => {
        syncing = false;
        const ready = waiters;
        waiters = [];
        if (error)
          reject(unavailable(`the mailbox store could not sync its file: ${error.message}`, error));
        else resolve();
        for (const w of ready) w();
      });
    });
  const idle = (): Promise<void> =>
    syncing ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve();

  const sync: WalSync = {
    async run(write, fn) {
      while (syncing) await idle();
      const value = fn();
      if (write) await committed();
      return value;
    },
    idle,
    committed,
    get syncing() {
      return syncing;
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
  return sync;
}
