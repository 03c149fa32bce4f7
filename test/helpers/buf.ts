import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root. */
export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const bufBin = join(projectRoot, "node_modules", ".bin", "buf");

/** Runs the project's local buf in `cwd` and returns its exit status and output. */
export function runBuf(cwd: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(bufBin, args, { cwd, encoding: "utf8" });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** Builds the buf module in `cwd` to a JSON image (no source info) and parses it. */
export function buildImage(cwd: string): unknown {
  const out = join(mkdtempSync(join(tmpdir(), "agentwire-image-")), "image.json");
  const r = runBuf(cwd, ["build", "-o", `${out}#format=json`, "--exclude-source-info"]);
  if (r.status !== 0) throw new Error(`buf build failed:\n${r.output}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

/**
 * A scratch copy of the schema (buf.yaml and proto/) in a temporary folder,
 * for tests that edit the schema and show the checks catch it.
 */
export function scratchSchema(): {
  dir: string;
  edit(file: string, from: string | RegExp, to: string): void;
  dispose(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "agentwire-schema-"));
  cpSync(join(projectRoot, "proto"), join(dir, "proto"), { recursive: true });
  cpSync(join(projectRoot, "buf.yaml"), join(dir, "buf.yaml"));
  return {
    dir,
    edit(file, from, to) {
      const path = join(dir, "proto/astro/messaging/v1", file);
      const before = readFileSync(path, "utf8");
      const after = before.replace(from, to);
      if (after === before) throw new Error(`edit of ${file} matched nothing: ${String(from)}`);
      writeFileSync(path, after);
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
