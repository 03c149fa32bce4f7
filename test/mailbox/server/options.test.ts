import { AgentwireError } from "agentwire";
import {
  createMailboxCore,
  createSqliteMailboxStore,
  resolveMailboxServerOptions,
} from "agentwire/mailbox-server";
import { describe, expect, it } from "vitest";

/** Expects the options refused as invalid_argument naming `option` (and, when given, saying `text`). */
function refused(
  options: Parameters<typeof resolveMailboxServerOptions>[0],
  option: string,
  text?: string,
) {
  try {
    resolveMailboxServerOptions(options);
  } catch (err) {
    expect(err).toBeInstanceOf(AgentwireError);
    expect((err as AgentwireError).reason).toBe("invalid_argument");
    expect((err as AgentwireError).rawMessage.startsWith(`${option}:`)).toBe(true);
    if (text !== undefined) expect((err as AgentwireError).rawMessage).toBe(`${option}: ${text}`);
    return;
  }
  expect.unreachable(`${option} was accepted`);
}

describe("resolveMailboxServerOptions", () => {
  it("fills in the defaults", () => {
    expect(resolveMailboxServerOptions()).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      db: ":memory:",
      auth: "open",
      maxBodyBytes: 2 * 1024 * 1024,
      sseHeartbeatMs: 15_000,
      maxConcurrentStreams: 1000,
      maxWatchersPerAgent: 8,
      streamPageSize: 100,
      keepAliveTimeoutMs: 30_000,
    });
  });

  it("refuses a bad value, naming the option", () => {
    refused({ port: 70_000 }, "port");
    refused({ port: 1.5 }, "port");
    refused({ maxBodyBytes: 10 }, "maxBodyBytes");
    refused({ sseHeartbeatMs: 0 }, "sseHeartbeatMs");
    refused({ maxConcurrentStreams: 0 }, "maxConcurrentStreams");
    refused({ maxWatchersPerAgent: -1 }, "maxWatchersPerAgent");
    refused({ streamPageSize: 0 }, "streamPageSize");
    refused({ drainTimeoutMs: -5 }, "drainTimeoutMs");
    refused({ keepAliveTimeoutMs: 0 }, "keepAliveTimeoutMs");
    refused({ auth: "maybe" as "open" }, "auth");
    refused({ host: "" }, "host");
    refused({ db: "" }, "db");
  });

  it("open mode binds loopback only; token mode needs a long administrator key", () => {
    refused({ host: "0.0.0.0" }, "host");
    refused({ host: "192.168.1.4" }, "host");
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"])
      expect(resolveMailboxServerOptions({ host }).host).toBe(host);
    refused({ auth: "tokens" }, "adminKey");
    refused({ auth: "tokens", adminKey: "too-short" }, "adminKey");
    refused({ adminKey: "an-administrator-key-without-tokens" }, "adminKey");
    expect(
      resolveMailboxServerOptions({ auth: "tokens", adminKey: "x".repeat(16), host: "0.0.0.0" })
        .host,
    ).toBe("0.0.0.0");
  });

  it("a PostgreSQL URL is a db like a SQLite file; an empty one is refused", () => {
    for (const db of ["postgres://user@db.example/mail", "postgresql://db.example/mail"])
      expect(resolveMailboxServerOptions({ db }).db).toBe(db);
    refused({ db: "" }, "db");
  });

  it("storeSettings: their shape is checked, and they are refused beside a core", async () => {
    refused(
      { storeSettings: { mysql: {} } as never },
      "storeSettings",
      'unknown backend "mysql" (sqlite or postgres)',
    );
    refused(
      { storeSettings: [] as never },
      "storeSettings",
      "expected an object with sqlite and/or postgres settings",
    );
    refused(
      { storeSettings: { sqlite: 5 as never } },
      "storeSettings.sqlite",
      "expected an object of store options",
    );
    const core = createMailboxCore({ store: await createSqliteMailboxStore({ path: ":memory:" }) });
    try {
      refused(
        { core, storeSettings: { sqlite: {} } },
        "core",
        "give either a core or db (with coreSettings and storeSettings), not both",
      );
    } finally {
      await core.close();
    }
    expect(resolveMailboxServerOptions().storeSettings).toEqual({});
  });
});
