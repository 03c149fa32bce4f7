/**
 * Loading the optional storage drivers (better-sqlite3, pg) only when a store
 * that needs one is created, so that `import "agentwire"` never loads native
 * code, with an error that says which package to install.
 *
 * @module
 */

import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { missingPackage } from "../core/mailbox-errors.js";

/** Imports an optional package's default export; throws an AgentwireError naming it when it is missing or broken. */
export async function importOptional<T>(pkg: string, what: string): Promise<T> {
  let mod: { default?: T };
  try {
    mod = (await import(pkg)) as { default?: T };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND")
      throw missingPackage(pkg, what, error);
    throw new AgentwireError(
      "unsupported",
      `${what} could not load the package ${pkg} (${(error as Error).message}); reinstall it for this Node.js: npm rebuild ${pkg}`,
      Code.FailedPrecondition,
      error,
    );
  }
  return (mod.default ?? mod) as T;
}
