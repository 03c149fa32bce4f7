/**
 * The SQLite store itself: migrations (idempotent, versioned, a newer file
 * refused), the pragmas that make commits durable, the WAL's checkpoint size,
 * tokens stored only as hashes, options checked, and a send answered before
 * SIGKILL of the process found after reopening the file.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveMailboxCoreOptions } from "../../../src/mailbox/core/core-options.js";
import { createMailboxCore } from "../../../src/mailbox/core/mailbox-core.js";
import { importOptional } from "../../../src/mailbox/store/optional-package.js";
import { migrateSqlite, sqliteSchemaVersion } from "../../../src/mailbox/store/sqlite-schema.js";
import {
  createSqliteMailboxStore,
  resolveSqliteMailboxStoreOptions,
} from "../../../src/mailbox/store/sqlite-store.js";
import { expectFailure } from "../core/suite/harness.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agentwire-sqlite-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("run once: a second run, or a second open, applies nothing and keeps the data", async () => {
    const db = new Database(join(dir, "m.db"));
    expect(migrateSqlite(db)).toEqual([1]);
    expect(migrateSqlite(db)).toEqual([]);
    expect(db.prepare("SELECT version FROM schema_version").all()).toEqual([{ version: 1 }]);
    db.close();
    const path = join(dir, "m.db");
    const core = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    await core.send({ from: "a", to: ["b"] });
    await core.close();
    const again = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    expect(await again.unread("b")).toHaveLength(1);
    await again.close();
    const check = new Database(path);
    expect(check.prepare("SELECT count(*) AS n FROM schema_version").get()).toEqual({ n: 1 });
    check.close();
  });

  it("refuses a file written by a newer schema (unavailable, nothing changed)", async () => {
    const path = join(dir, "new.db");
    const db = new Database(path);
    migrateSqlite(db);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(sqliteSchemaVersion + 1);
    db.close();
    await expectFailure(
      createSqliteMailboxStore({ path }),
      "unavailable",
      Code.Unavailable,
      /is at schema version 2, newer than this agentwire \(1\)/,
    );
  });
});

describe("durability settings", () => {
  it("leaves the file in WAL mode (the journal that makes a commit survive a killed process)", async () => {
    for (const synchronous of ["normal", "full"] as const) {
      const path = join(dir, `${synchronous}.db`);
      const store = await createSqliteMailboxStore({ path, synchronous });
      await store.close();
      const db = new Database(path);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      db.close();
    }
  });

  it("creates files with pageSizeBytes pages (1024 by default); a file that exists keeps its own", async () => {
    const pageSizeOf = (path: string) => {
      const db = new Database(path);
      const size = db.pragma("page_size", { simple: true });
      db.close();
      return size;
    };
    const sendOnce = async (path: string, options: { pageSizeBytes?: number } = {}) => {
      const core = createMailboxCore({
        store: await createSqliteMailboxStore({ path, ...options }),
      });
      await core.send({ from: "a@t", to: ["b@t"], payload: { path } });
      const unread = await core.unread("b@t", { limit: 10 });
      await core.close();
      return unread.length;
    };
    const small = join(dir, "default-pages.db");
    await sendOnce(small);
    expect(pageSizeOf(small)).toBe(1024);
    const large = join(dir, "large-pages.db");
    await sendOnce(large, { pageSizeBytes: 4096 });
    expect(pageSizeOf(large)).toBe(4096);
    // Reopened with the default, the 4 KiB file keeps its pages and its mail.
    expect(await sendOnce(large)).toBe(2);
    expect(pageSizeOf(large)).toBe(4096);
  });

  it("checkpoints the WAL into the file once it reaches walCheckpointKiB (16,000 by default), at any page size", async () => {
    // The WAL file keeps its largest size: with checkpoints every 256 KiB it
    // stays near that; by default the same sends never reach a checkpoint.
    const walBytes = async (pageSizeBytes: number, walCheckpointKiB?: number) => {
      const path = join(dir, `wal-${pageSizeBytes}-${walCheckpointKiB ?? "default"}.db`);
      const store = await createSqliteMailboxStore({ path, pageSizeBytes, walCheckpointKiB });
      const core = createMailboxCore({ store });
      for (let i = 0; i < 150; i++)
        await core.send({ from: `s${i % 13}@t`, to: [`r${i % 17}@t`], payload: { i } });
      const bytes = statSync(`${path}-wal`).size;
      await core.close();
      return bytes;
    };
    for (const pageSizeBytes of [1024, 4096]) {
      const small = await walBytes(pageSizeBytes, 256);
      const large = await walBytes(pageSizeBytes);
      expect(small).toBeGreaterThan(256 * 1024);
      expect(small).toBeLessThan(512 * 1024);
      expect(large).toBeGreaterThan(4 * small);
    }
  });

  it("full: sends and reads issued at once all settle, close waits for the sync in flight, every answered send is in the file", async () => {
    const path = join(dir, "full.db");
    const core = createMailboxCore({
      store: await createSqliteMailboxStore({ path, synchronous: "full" }),
    });
    const sends = Array.from({ length: 300 }, (_, i) =>
      core.send({ from: `s${i % 7}@t`, to: ["r@t"], payload: { i } }),
    );
    const reads = Array.from({ length: 30 }, () => core.unread("r@t", { limit: 1000 }));
    await sends[0];
    // Closed while later group commits still sync: it waits for them.
    await core.close();
    const settled = await Promise.allSettled([...sends, ...reads]);
    const answered = settled.slice(0, 300).filter((r) => r.status === "fulfilled").length;
    for (const r of settled)
      if (r.status === "rejected")
        expect((r.reason as { reason?: string }).reason).toBe("unavailable");
    expect(answered).toBeGreaterThan(0);
    const again = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    expect(await again.unread("r@t", { limit: 1000 })).toHaveLength(answered);
    await again.close();
  });

  it("full: a read issued right after a group commit sees its send only once the send is answered (durable)", async () => {
    const store = await createSqliteMailboxStore({ path: join(dir, "gate.db") });
    const append = (i: number) =>
      store.appendMessage({
        messageId: `m${i}`,
        from: "a@t",
        visibleSet: ["a@t", "r@t"],
        payloadJson: JSON.stringify({ i }),
        timestamp: Date.now(),
        wantLatest: false,
        compose: () => ({
          to: ["r@t"],
          cc: [],
          bcc: [],
          deliveredTo: [{ agentId: "r@t", role: "to" }],
          snapshotJson: "null",
        }),
      });
    await append(0);
    const settled: string[] = [];
    const send = append(1).then(() => settled.push("send"));
    // The send's group commit was scheduled first, so it has run when this
    // resolves: no I/O callback comes between.
    await new Promise<void>((r) => setImmediate(r));
    const rows = await store.unreadDeliveries("r@t", 0n, 0);
    settled.push("read");
    await send;
    expect(settled).toEqual(["send", "read"]);
    expect(rows.map((d) => [d.seq, d.message.id])).toEqual([
      [1n, "m0"],
      [2n, "m1"],
    ]);
    await store.close();
  });

  it("a send answered before SIGKILL of the process is there after reopening the file", async () => {
    const path = join(dir, "killed.db");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./fixtures/send-and-hang.ts", import.meta.url)),
        path,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const answers: { messageId: string; threadId: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const l of lines) answers.push(JSON.parse(l));
        if (answers.length === 3) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    const exited = new Promise((r) => child.on("exit", (_code, signal) => r(signal)));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const core = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    const frames = await core.unread("reader");
    expect(frames.map((f) => f.message.id)).toEqual(answers.map((a) => a.messageId));
    expect(frames.map((f) => f.seq)).toEqual([1n, 2n, 3n]);
    await core.close();
  });
});

describe("parsed messages", () => {
  it("a committed send is kept as the file has it; a failed send in the same commit leaves nothing", async () => {
    const path = join(dir, "cache.db");
    const store = await createSqliteMailboxStore({ path });
    const core = createMailboxCore({ store });
    const first = await core.send({ from: "a", to: "b", payload: "first" });
    // One event-loop turn: one group commit, the middle send failing in its own savepoint.
    const [ok, failed, last] = await Promise.allSettled([
      core.send({
        from: "a",
        to: ["b"],
        cc: ["c"],
        bcc: ["d"],
        replyTo: first.messageId,
        payload: { nested: [1, { x: null }], text: "ü" },
        contextSnapshot: { step: 2 },
      }),
      core.send({ from: "a", to: "b", threadId: "no-such-thread", payload: "lost" }),
      core.send({ from: "a", to: "b", payload: "last" }),
    ]);
    expect([ok.status, failed.status, last.status]).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const hot = await store.deliveriesAfter("b", 0n, 100);
    const hotContexts = await store.threadContexts([hot[0]!.message.threadId], 10, 10);
    await store.close();
    const reopened = await createSqliteMailboxStore({ path });
    const cold = await reopened.deliveriesAfter("b", 0n, 100);
    expect(hot.map((d) => d.message.payload)).toEqual([
      "first",
      { nested: [1, { x: null }], text: "ü" },
      "last",
    ]);
    expect(hot).toStrictEqual(cold);
    expect(hotContexts).toStrictEqual(
      await reopened.threadContexts([hot[0]!.message.threadId], 10, 10),
    );
    await reopened.close();
  });
});

describe("tokens", () => {
  it("stores only the sha256 of a token", async () => {
    const path = join(dir, "tokens.db");
    const core = createMailboxCore({ store: await createSqliteMailboxStore({ path }) });
    const token = await core.issueToken("agent@demo");
    await core.close();
    const db = new Database(path);
    const rows = db.prepare("SELECT token_hash, agent_id FROM mailbox_tokens").all();
    db.close();
    expect(rows).toEqual([
      { token_hash: createHash("sha256").update(token).digest("hex"), agent_id: "agent@demo" },
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});

describe("options", () => {
  it("are checked, naming the option", () => {
    const bad: [() => unknown, string][] = [
      [
        () => resolveSqliteMailboxStoreOptions({ path: "" }),
        "path: a database file or :memory: is required",
      ],
      [
        () => resolveSqliteMailboxStoreOptions({ path: ":memory:", synchronous: "off" as never }),
        'synchronous: must be "normal" or "full", got off',
      ],
      [
        () => resolveSqliteMailboxStoreOptions({ path: ":memory:", busyTimeoutMs: -1 }),
        "busyTimeoutMs: must be a non-negative integer, got -1",
      ],
      [
        () => resolveSqliteMailboxStoreOptions({ path: ":memory:", pageCacheKiB: 16 }),
        "pageCacheKiB: must be an integer of at least 64, got 16",
      ],
      [
        () => resolveSqliteMailboxStoreOptions({ path: ":memory:", walCheckpointKiB: 63 }),
        "walCheckpointKiB: must be an integer of at least 64, got 63",
      ],
      ...[256, 3000, 131072, 1024.5].map((pageSizeBytes): [() => unknown, string] => [
        () => resolveSqliteMailboxStoreOptions({ path: ":memory:", pageSizeBytes }),
        `pageSizeBytes: must be a power of two from 512 to 65536, got ${pageSizeBytes}`,
      ]),
      [
        () => resolveMailboxCoreOptions({ store: {} as never }),
        "store: a MailboxStore is required",
      ],
    ];
    for (const [f, message] of bad) expect(f).toThrow(message);
    expect(resolveSqliteMailboxStoreOptions({ path: "x.db" })).toEqual({
      path: "x.db",
      synchronous: "full",
      busyTimeoutMs: 5000,
      messageCacheEntries: 10_000,
      pageCacheKiB: 2048,
      walCheckpointKiB: 16_000,
      pageSizeBytes: 1024,
    });
  });

  it("of the core are checked, naming the option", async () => {
    const store = await createSqliteMailboxStore({ path: ":memory:" });
    for (const [key, value] of [
      ["maxPayloadBytes", 0],
      ["maxRecipients", 1.5],
      ["summaryTokenBudget", 8],
      ["contextCacheEntries", -1],
      ["unreadCacheBytes", 0.5],
    ] as const)
      expect(() => resolveMailboxCoreOptions({ store, [key]: value })).toThrow(
        new RegExp(`${key}: must be an integer of at least`),
      );
    expect(resolveMailboxCoreOptions({ store })).toMatchObject({
      maxPayloadBytes: 1024 * 1024,
      maxAgentIdLength: 256,
      maxRecipients: 100,
      structuredSummaryThreshold: 20,
      contextCacheEntries: 1000,
      unreadCacheBytes: 32 * 1024 * 1024,
    });
    await store.close();
  });
});

describe("optional drivers", () => {
  it("a missing driver package is a clear error naming it and how to install it", async () => {
    const e = await expectFailure(
      importOptional("agentwire-no-such-driver", "The test store"),
      "unsupported",
      Code.FailedPrecondition,
      "The test store needs the optional package agentwire-no-such-driver, which is not installed: npm install agentwire-no-such-driver",
    );
    expect(e.cause).toBeInstanceOf(Error);
    const sqlite = await importOptional<typeof Database>("better-sqlite3", "The SQLite store");
    expect(sqlite).toBe(Database);
  });
});
