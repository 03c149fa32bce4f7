/**
 * Summarises V8 `.cpuprofile` files (from `npm run bench -- --profile DIR`):
 * self time by function and by file, heaviest first, so hot spots in src/
 * stand out. Run: `npx tsx bench/profile-summary.ts DIR [TOP]`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The parts of a V8 CPU profile this summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (dir === undefined) {
  process.stderr.write("usage: tsx bench/profile-summary.ts DIR [TOP]\n");
  process.exit(2);
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(join(dir, name), "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (frame === undefined || frame.functionName === "(idle)") return;
    total += us;
    const file = shorten(frame.url) || frame.functionName;
    const fn = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  });
}

function shorten(url: string): string {
  const at = url.lastIndexOf("node_modules/");
  if (at >= 0) return url.slice(at + "node_modules/".length);
  const src = url.search(/\/(src|bench|gen)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, "");
}

function print(title: string, map: Map<string, number>): void {
  process.stdout.write(`\n${title} (self time, ${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(6)}%  ${key}\n`);
  }
}

print("by function", byFunction);
print("by file", byFile);
