/**
 * `npm run bench` — agentwire against the existing Node SDK's stack
 * (@grpc/grpc-js + @grpc/proto-loader), client and sidecar in separate
 * processes, stacks alternated round by round, medians reported.
 *
 * Options: `--quick` (2 rounds, small sizes: a CI smoke), `--json` (one JSON
 * object on stdout instead of the table), `--only a,b` (some scenarios),
 * `--rounds N`, `--profile DIR` (write `--cpu-prof` profiles of the agentwire
 * client processes to DIR). Progress goes to stderr.
 */
import * as os from "node:os";
import { parseArgs } from "node:util";
import { type Figures, type Impl, type ScenarioRun, type Sizes, scenarios } from "./scenarios.js";
import { median } from "./stats.js";

/** How a figure reads: its label, and which direction is better. */
interface FigureSpec {
  label: string;
  better: "higher" | "lower";
}

/** A goal a scenario is held to: on the ratio, or on agentwire's own figure. */
interface Target {
  figure: string;
  kind: "ratio" | "absolute";
  op: "<=" | ">=";
  value: number;
}

const figures: Record<string, FigureSpec> = {
  msgsPerSec: { label: "msgs/s", better: "higher" },
  cpuUsPerMsg: { label: "client CPU µs/msg", better: "lower" },
  p50Us: { label: "p50 µs", better: "lower" },
  p90Us: { label: "p90 µs", better: "lower" },
  p99Us: { label: "p99 µs", better: "lower" },
  cpuPercent: { label: "client CPU % of a core", better: "lower" },
  encodeOpsPerSec: { label: "encode ops/s", better: "higher" },
  decodeOpsPerSec: { label: "decode ops/s", better: "higher" },
  reconnectMs: { label: "listening → handshake ms", better: "lower" },
  reconnected: { label: "rounds reconnected (0/1)", better: "higher" },
  noticedMs: { label: "outage noticed after ms", better: "lower" },
  delivered: { label: "outage writes delivered", better: "higher" },
  lost: { label: "outage writes lost", better: "lower" },
  failedWrites: { label: "outage writes rejected", better: "lower" },
  bytesPerSession: { label: "heap bytes/session", better: "lower" },
};

const mainFigure: Record<string, string> = {
  outbound_flood: "msgsPerSec",
  inbound_flood: "msgsPerSec",
  rtt: "p50Us",
  paced_cpu: "cpuPercent",
  codec: "encodeOpsPerSec",
  reconnect: "reconnectMs",
  idle_memory: "bytesPerSession",
  ceiling: "msgsPerSec",
};

const targets: Record<string, Target[]> = {
  outbound_flood: [{ figure: "msgsPerSec", kind: "ratio", op: ">=", value: 3 }],
  inbound_flood: [{ figure: "msgsPerSec", kind: "ratio", op: ">=", value: 1.2 }],
  rtt: [
    { figure: "p50Us", kind: "ratio", op: "<=", value: 1 },
    { figure: "p99Us", kind: "ratio", op: "<=", value: 1 },
  ],
  paced_cpu: [{ figure: "cpuPercent", kind: "ratio", op: "<=", value: 0.8 }],
  codec: [{ figure: "encodeOpsPerSec", kind: "ratio", op: ">=", value: 1 }],
  reconnect: [
    { figure: "reconnectMs", kind: "absolute", op: "<=", value: 250 },
    { figure: "lost", kind: "absolute", op: "<=", value: 0 },
  ],
  idle_memory: [{ figure: "bytesPerSession", kind: "ratio", op: "<=", value: 1 }],
  ceiling: [],
};

const fullSizes: Sizes = {
  rounds: 5,
  outboundFrames: 100_000,
  inboundMessages: 50_000,
  roundTrips: 20_000,
  pacedRatePerSecond: 1000,
  pacedDurationMs: 5000,
  codecDurationMs: 1000,
  reconnectWrites: 100,
  outageMs: 500,
  reconnectTimeoutMs: 10_000,
  idleSessions: 1000,
};

const quickSizes: Sizes = {
  rounds: 2,
  outboundFrames: 20_000,
  inboundMessages: 10_000,
  roundTrips: 2000,
  pacedRatePerSecond: 1000,
  pacedDurationMs: 1000,
  codecDurationMs: 200,
  reconnectWrites: 20,
  outageMs: 300,
  reconnectTimeoutMs: 3000,
  idleSessions: 200,
};

/** One scenario's result as reported. */
interface ScenarioReport {
  what: string;
  main: string;
  better: "higher" | "lower";
  ratio: number | null;
  ratios: Record<string, number>;
  roundRatios: number[];
  targets: Array<Target & { actual: number; met: boolean }>;
  rounds: Partial<Record<Impl, Figures[]>>;
  [impl: string]: unknown;
}

function summariseRun(name: string, run: ScenarioRun): ScenarioReport {
  const subject = run.subject;
  const main = mainFigure[name] as string;
  const medians = (impl: Impl): Figures => {
    const out: Figures = {};
    const rounds = run.rounds[impl] ?? [];
    for (const key of Object.keys(rounds[0] ?? {}))
      out[key] = median(rounds.map((r) => r[key] as number));
    return out;
  };
  const ref = medians("reference");
  const sub = medians(subject);
  const ratios: Record<string, number> = {};
  for (const key of Object.keys(sub)) {
    const r = (sub[key] as number) / (ref[key] as number);
    if (Number.isFinite(r)) ratios[key] = r;
  }
  const subRounds = run.rounds[subject] ?? [];
  const refRounds = run.rounds.reference ?? [];
  const roundRatios = subRounds.map(
    (r, i) => (r[main] as number) / (refRounds[i]?.[main] as number),
  );
  const checked = (targets[name] ?? []).map((t) => {
    const actual =
      t.kind === "ratio" ? (ratios[t.figure] ?? Number.NaN) : (sub[t.figure] as number);
    const met = t.op === "<=" ? actual <= t.value : actual >= t.value;
    return { ...t, actual, met };
  });
  return {
    what: run.what,
    [subject]: sub,
    reference: ref,
    main,
    better: figures[main]?.better ?? "higher",
    ratio: ratios[main] ?? null,
    ratios,
    roundRatios,
    targets: checked,
    rounds: run.rounds,
  };
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function table(name: string, report: ScenarioReport, subject: Impl): string {
  const lines = [`${name} — ${report.what}`];
  const ref = report.reference as Figures;
  const sub = report[subject] as Figures;
  const row = (cells: string[]) =>
    `  ${(cells[0] ?? "").padEnd(30)}${(cells[1] ?? "").padStart(13)}${(cells[2] ?? "").padStart(13)}${(cells[3] ?? "").padStart(9)}  ${cells[4] ?? ""}`;
  lines.push(row(["figure (median)", "reference", subject, "ratio", ""]));
  for (const key of Object.keys(sub)) {
    const spec = figures[key];
    const r = report.ratios[key];
    lines.push(
      row([
        `${spec?.label ?? key}${key === report.main ? " *" : ""}`,
        fmt(ref[key]),
        fmt(sub[key]),
        r === undefined ? "—" : `${r.toFixed(2)}×`,
        `${spec?.better ?? ""} is better`,
      ]),
    );
  }
  lines.push(`  ratio of * by round: ${report.roundRatios.map((r) => r.toFixed(2)).join("  ")}`);
  for (const t of report.targets) {
    const label = figures[t.figure]?.label ?? t.figure;
    const what = t.kind === "ratio" ? `${label} ratio` : `${subject} ${label}`;
    lines.push(
      `  target: ${what} ${t.op === "<=" ? "≤" : "≥"} ${t.value} → ${fmt(t.actual)}${t.kind === "ratio" ? "×" : ""} ${t.met ? "met" : "NOT MET"}`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string" },
      rounds: { type: "string" },
      profile: { type: "string" },
    },
  });
  const sizes = { ...(values.quick ? quickSizes : fullSizes) };
  if (values.rounds !== undefined) sizes.rounds = Math.max(1, Number(values.rounds));
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((n) => !scenarios.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario(s) ${unknown.join(", ")}; known: ${scenarios.map((s) => s.name).join(", ")}\n`,
    );
    return 2;
  }
  const selected = scenarios.filter((s) => only === undefined || only.includes(s.name));
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `agentwire bench: ${values.quick ? "quick" : "full"}, ${sizes.rounds} rounds, ${machine.cpus} × ${machine.model}, node ${machine.node}`,
  );
  const reports: Record<string, ScenarioReport | { error: string }> = {};
  const started = performance.now();
  let failed = false;
  for (const scenario of selected) {
    const t0 = performance.now();
    log(`${scenario.name} …`);
    try {
      const run = await scenario.run({ sizes, profileDir: values.profile, log });
      const report = summariseRun(scenario.name, run);
      reports[scenario.name] = report;
      if (!values.json) process.stdout.write(`\n${table(scenario.name, report, run.subject)}\n`);
    } catch (e) {
      failed = true;
      const message = e instanceof Error ? e.message : String(e);
      reports[scenario.name] = { error: message };
      log(`${scenario.name} FAILED: ${message}`);
    }
    log(`${scenario.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const outbound = reports.outbound_flood as ScenarioReport | undefined;
  const ceiling = reports.ceiling as ScenarioReport | undefined;
  const aw = (outbound?.agentwire as Figures | undefined)?.msgsPerSec;
  const raw = (ceiling?.raw as Figures | undefined)?.msgsPerSec;
  if (ceiling !== undefined && aw !== undefined && raw !== undefined) {
    ceiling.agentwireShareOfCeiling = aw / raw;
    if (!values.json) {
      process.stdout.write(
        `  agentwire outbound_flood reaches ${((aw / raw) * 100).toFixed(0)}% of the ceiling\n`,
      );
    }
  }
  const totalS = (performance.now() - started) / 1000;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ machine, quick: values.quick, sizes, seconds: totalS, scenarios: reports }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memory}, ${machine.platform}, node ${machine.node}; ${sizes.rounds} rounds, ${totalS.toFixed(0)} s\n`,
    );
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);
