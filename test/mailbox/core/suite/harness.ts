/**
 * The harness of the shared mailbox suite: a fresh core over a fresh store of
 * the backend under test per call, closed and removed after each test.
 */
import type { Code } from "@connectrpc/connect";
import { afterEach, expect } from "vitest";
import { AgentwireError, type AgentwireErrorReason } from "../../../../src/client/errors.js";
import type { MailboxCoreOptions } from "../../../../src/mailbox/core/core-options.js";
import { createMailboxCore } from "../../../../src/mailbox/core/mailbox-core.js";
import type { MailboxCore } from "../../../../src/mailbox/core/mailbox-types.js";
import type { MailboxStore } from "../../../../src/mailbox/store/mailbox-store.js";
import type { StoreBackend } from "../../store/backends.js";

/** A core under test. */
export interface Mailbox {
  /** The core. */
  core: MailboxCore;
  /** Its store. */
  store: MailboxStore;
  /** Closes the core and opens a new one on the same data; undefined for backends without durable data. */
  reopen: (() => Promise<Mailbox>) | undefined;
}

/** Core options the suite may set (the store is the backend's). */
export type SuiteCoreOptions = Omit<MailboxCoreOptions, "store">;

/** Returns a function that opens a fresh mailbox; everything it opened is closed after each test. */
export function useMailbox(
  backend: StoreBackend,
): (options?: SuiteCoreOptions) => Promise<Mailbox> {
  const open: { core: MailboxCore; cleanup?: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) {
      await o.core.close();
      await o.cleanup?.();
    }
  });
  return async (options = {}) => {
    const opened = await backend.open();
    const wrap = (store: MailboxStore): Mailbox => {
      const core = createMailboxCore({ ...options, store });
      open.push({ core });
      return {
        core,
        store,
        reopen:
          opened.reopen &&
          (async () => {
            await core.close();
            return wrap(await opened.reopen!());
          }),
      };
    };
    const mailbox = wrap(opened.store);
    open.unshift({ core: { close: async () => {} } as MailboxCore, cleanup: opened.cleanup });
    return mailbox;
  };
}

/** Asserts that `p` rejects with an AgentwireError of this reason and code whose message matches. */
export async function expectFailure(
  p: Promise<unknown>,
  reason: AgentwireErrorReason,
  code: Code,
  message: RegExp | string,
): Promise<AgentwireError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentwireError);
  const e = error as AgentwireError;
  expect({ reason: e.reason, code: e.code }).toEqual({ reason, code });
  if (typeof message === "string") expect(e.rawMessage).toBe(message);
  else expect(e.rawMessage).toMatch(message);
  return e;
}

/** JSON of a value with bigints as strings (for deep comparisons of answers). */
export function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)));
}
