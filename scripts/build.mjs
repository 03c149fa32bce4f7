#!/usr/bin/env node
// Builds dist/ from a clean slate: tsc with tsconfig.build.json, then makes the
// `agentwire` bin executable. `npm run build` and `prepare` (so `npm pack`,
// `npm publish` and installs from a git URL) run it.
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}dist/bin/agentwire.js`;

// A file deleted from src/ must not live on in the package.
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = spawnSync(process.execPath, [tsc, "-p", `${root}tsconfig.build.json`], {
  stdio: "inherit",
});
if (run.status !== 0) {
  console.error(`build: tsc failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
if (!readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")) {
  console.error(`build: ${bin} does not start with a node shebang`);
  process.exit(1);
}
chmodSync(bin, 0o755);
