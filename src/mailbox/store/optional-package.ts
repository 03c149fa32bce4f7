/**
 * Loading the optional packages (the storage drivers better-sqlite3 and pg,
 * the MCP SDK) only where one is needed, so that `import "agentwire"` never
 * loads native code or the SDK, with an error that says which package to
 * install.
 *
 * @module
 */

import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";
import { missingPackage } from "../core/mailbox-errors.js";

/** The package a specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * Imports a module of an optional package (`pg`, `@modelcontextprotocol/sdk/types.js`) and
 * answers its namespace; throws an AgentwireError naming the package when it is missing or broken.
 */
export async function importOptionalModule<T>(specifier: string, what: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const pkg = packageOf(specifier);
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
}

/** Imports an optional package's default export; throws an AgentwireError naming it when it is missing or broken. */
export async function importOptional<T>(pkg: string, what: string): Promise<T> {
  const mod = await importOptionalModule<{ default?: T }>(pkg, what);
  return (mod.default ?? mod) as T;
}
