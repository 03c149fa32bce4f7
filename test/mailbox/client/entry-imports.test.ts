import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";
import { inFreshProcess } from "../../helpers/fresh-process.js";

/**
 * The modules an entry point loads, statically: every runtime `import`/`export
 * from` (type-only ones are erased; dynamic `import()` runs only when called),
 * followed through relative paths. Answers the project files and the packages.
 */
function staticGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(relative(projectRoot, file));
    const source = readFileSync(file, "utf8");
    const re = /^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?["']([^"']+)["']/gms;
    for (const match of source.matchAll(re)) {
      const spec = match[1] as string;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec);
    }
  };
  visit(join(projectRoot, entry));
  return { files, packages };
}

const allowed = new Set([
  "@bufbuild/protobuf",
  "@connectrpc/connect",
  "@connectrpc/connect-node",
  "node:http",
  "node:https",
]);

describe("what the mailbox client loads", () => {
  it("agentwire/mailbox loads only the generated code, Connect and its own files: no server, store or driver", () => {
    const { files, packages } = staticGraph("src/mailbox/client/index.ts");
    expect([...packages].filter((p) => !allowed.has(p))).toEqual([]);
    const outside = files.filter(
      (f) =>
        !f.startsWith("src/mailbox/client/") &&
        !f.startsWith("gen/agentwire/mailbox/") &&
        !["src/client/errors.ts", "src/client/retry.ts", "src/client/backoff.ts"].includes(f) &&
        f !== "src/internal/emitter.ts" &&
        f !== "src/internal/raw-headers.ts",
    );
    expect(outside).toEqual([]);
  });

  it("agentwire/testing loads the mailbox core and its SQLite driver only when createTestMailbox runs", () => {
    const { files, packages } = staticGraph("src/testing/index.ts");
    expect(files.filter((f) => /^src\/mailbox\/(core|store|server)\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => /sqlite|^pg$/.test(p))).toEqual([]);
    // And at run time: importing the entry leaves better-sqlite3 unloaded.
    const loaded = inFreshProcess(
      `await import(${JSON.stringify(join(projectRoot, "src/testing/index.ts"))});
       await import(${JSON.stringify(join(projectRoot, "src/mailbox/client/index.ts"))});
       console.log(JSON.stringify(drivers()));`,
    );
    expect(loaded).toEqual([]);
  });
});
