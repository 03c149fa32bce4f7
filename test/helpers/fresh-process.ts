/**
 * A fresh node process for checks of what a module loads: runs `script` (an
 * ES module body, with `drivers()` in scope answering the driver packages in
 * the require cache so far) under tsx and answers the JSON it prints.
 */
import { execFileSync } from "node:child_process";
import { projectRoot } from "./buf.js";

/** Runs `script` in a fresh process and answers what it printed, parsed as JSON. */
export function inFreshProcess(script: string): unknown {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module";
       const drivers = () => [...new Set(Object.keys(createRequire(import.meta.url).cache)
         .filter((k) => /better-sqlite3|[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(k))
         .map((k) => (k.includes("better-sqlite3") ? "better-sqlite3" : "pg")))];
       ${script}`,
    ],
    { cwd: projectRoot, encoding: "utf8" },
  );
  return JSON.parse(out.trim());
}
