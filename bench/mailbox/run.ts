/**
 * `npm run bench:mailbox` — agentwire's mailbox server against the reference
 * AgentMailbox server (`agentsmcp@0.5.2`), the same load against both, each
 * on its own fresh SQLite file; servers and load clients in separate
 * processes, stacks alternated round by round, medians reported.
 *
 * Options: `--quick` (small sizes: a smoke), `--agentwire-only` (no reference:
 * nothing to install), `--json` (one JSON object on stdout), `--only a,b`,
 * `--rounds N`, `--profile DIR` (`--cpu-prof` of the server processes),
 * agentwire on PostgreSQL (a throwaway cluster) as an extra column whenever
 * Debian's PostgreSQL binaries are there (`--postgres`: required,
 * `--no-postgres`: left out),
 * `--no-build` (dist/ is fresh already), `--render FILE` (the tables of a
 * saved `--json` run), `--agentwire-root DIR` (serve from another built
 * checkout, e.g. an older commit), `--http-only` (no typed client, Watch or
 * SSE), `--help`. Progress goes to stderr.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { median } from "../stats.js";
import { type BenchPostgres, postgresBinDir, startBenchPostgres } from "./postgres.js";
import { type Figures, type MailboxRun, type MailboxSizes, mailboxScenarios } from "./scenarios.js";
import { ensureReference, type ServerImpl } from "./servers.js";

/** How a figure reads. */
interface FigureSpec {
  label: string;
  better: "higher" | "lower";
  /** The reference figure it is compared with (default: the same name). */
  against?: string;
}

/** A goal: on a ratio against the reference, or on agentwire's own figure. */
interface Target {
  figure: string;
  kind: "ratio" | "absolute";
  op: "<=" | ">=";
  value: number;
}

const figures: Record<string, FigureSpec> = {
  sendsPerSec: { label: "sends/s (HTTP)", better: "higher" },
  p50Ms: { label: "p50 ms", better: "lower" },
  p99Ms: { label: "p99 ms", better: "lower" },
  typedSendsPerSec: { label: "typed client sends/s", better: "higher", against: "sendsPerSec" },
  typedP50Ms: { label: "typed p50 ms", better: "lower", against: "p50Ms" },
  typedP99Ms: { label: "typed p99 ms", better: "lower", against: "p99Ms" },
  failed: { label: "failed sends", better: "lower" },
  serverCpuMsPerSend: { label: "server CPU ms/send", better: "lower" },
  typedServerCpuMsPerSend: {
    label: "server CPU ms/send, typed",
    better: "lower",
    against: "serverCpuMsPerSend",
  },
  serverCpuMsPerListing: { label: "server CPU ms/listing (HTTP)", better: "lower" },
  typedServerCpuMsPerListing: {
    label: "server CPU ms/listing, typed",
    better: "lower",
    against: "serverCpuMsPerListing",
  },
  typedFailed: { label: "failed sends", better: "lower", against: "failed" },
  bytes: { label: "HTTP answer bytes", better: "lower" },
  typedBytes: { label: "typed answer bytes", better: "lower", against: "bytes" },
  typedWireBytes: { label: "typed answer bytes, gzip", better: "lower", against: "bytes" },
  sseP50Ms: { label: "SSE p50 ms", better: "lower", against: "p50Ms" },
  sseP99Ms: { label: "SSE p99 ms", better: "lower", against: "p99Ms" },
  lost: { label: "lost", better: "lower" },
  sseLost: { label: "SSE lost", better: "lower", against: "lost" },
  sent: { label: "sent", better: "higher" },
  reads: { label: "read loops", better: "higher" },
  httpLost: { label: "lost, HTTP client unchanged", better: "lower", against: "lost" },
  httpReads: { label: "read loops, HTTP client", better: "higher", against: "reads" },
  rssMb: { label: "server RSS MiB after", better: "lower" },
  baselineRssMb: { label: "server RSS MiB at start", better: "lower" },
  messages: { label: "messages stored", better: "higher" },
  fillSendsPerSec: { label: "fill sends/s", better: "higher" },
};

/** Per scenario: the main figure and the figure labels that differ from the defaults. */
const mainFigure: Record<string, string> = {
  send_throughput: "sendsPerSec",
  send_typed: "sendsPerSec",
  unread_large: "p99Ms",
  delivery_latency: "p99Ms",
  cursor_race: "lost",
  server_memory: "rssMb",
};

const labels: Record<string, Record<string, string>> = {
  send_typed: { sendsPerSec: "sends/s (ref HTTP, aw typed)" },
  unread_large: { p50Ms: "HTTP p50 ms", p99Ms: "HTTP p99 ms" },
  delivery_latency: {
    p50Ms: "p50 ms (ref poll, aw Watch)",
    p99Ms: "p99 ms (ref poll, aw Watch)",
    lost: "never seen (ref poll, aw Watch)",
  },
  cursor_race: { lost: "lost (ref HTTP, aw typed)", reads: "read loops (ref HTTP, aw typed)" },
};

const targets: Record<string, Target[]> = {
  send_throughput: [
    { figure: "sendsPerSec", kind: "ratio", op: ">=", value: 20 },
    { figure: "p99Ms", kind: "ratio", op: "<=", value: 0.1 },
  ],
  send_typed: [],
  unread_large: [
    { figure: "p99Ms", kind: "ratio", op: "<=", value: 0.05 },
    { figure: "typedBytes", kind: "ratio", op: "<=", value: 0.2 },
  ],
  delivery_latency: [{ figure: "p99Ms", kind: "absolute", op: "<=", value: 10 }],
  cursor_race: [{ figure: "lost", kind: "absolute", op: "<=", value: 0 }],
  server_memory: [{ figure: "rssMb", kind: "ratio", op: "<=", value: 0.5 }],
};

const fullSizes: MailboxSizes = {
  rounds: 3,
  sends: 10_000,
  senders: 50,
  agents: 100,
  unreadThreads: 50,
  unreadPerThread: 20,
  listings: 20,
  latencyMessages: 200,
  latencyIntervalMs: 37,
  pollMs: 100,
  raceSends: 300,
  memoryMessages: 100_000,
  memoryThreads: 1000,
  memoryFillDeadlineMs: 360_000,
};

const quickSizes: MailboxSizes = {
  rounds: 2,
  sends: 1000,
  senders: 50,
  agents: 100,
  unreadThreads: 10,
  unreadPerThread: 20,
  listings: 5,
  latencyMessages: 40,
  latencyIntervalMs: 37,
  pollMs: 100,
  raceSends: 100,
  memoryMessages: 2000,
  memoryThreads: 100,
  memoryFillDeadlineMs: 60_000,
};

/** One scenario's result as reported. */
interface ScenarioReport {
  what: string;
  main: string;
  better: "higher" | "lower";
  /** agentwire / reference on the main figure (null without a reference). */
  ratio: number | null;
  /** agentwire / reference per figure (each against its reference figure). */
  ratios: Record<string, number>;
  /** agentwire / reference on the main figure, round by round. */
  roundRatios: number[];
  targets: Array<Target & { actual: number | null; met: boolean | null }>;
  rounds: Partial<Record<ServerImpl, Figures[]>>;
  notes: string[];
  [impl: string]: unknown;
}

function mediansOf(rounds: Figures[] | undefined): Figures | undefined {
  if (rounds === undefined || rounds.length === 0) return undefined;
  const out: Figures = {};
  for (const key of Object.keys(rounds[0] ?? {}))
    out[key] = median(rounds.map((r) => r[key] as number));
  return out;
}

function ratiosOf(sub: Figures, ref: Figures | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (ref === undefined) return out;
  for (const key of Object.keys(sub)) {
    const r = (sub[key] as number) / (ref[figures[key]?.against ?? key] as number);
    if (Number.isFinite(r)) out[key] = r;
  }
  return out;
}

function summarise(name: string, run: MailboxRun): ScenarioReport {
  const main = mainFigure[name] as string;
  const ref = mediansOf(run.rounds.reference);
  const aw = mediansOf(run.rounds.agentwire) ?? {};
  const pg = mediansOf(run.rounds["agentwire-pg"]);
  const ratios = ratiosOf(aw, ref);
  const refRounds = run.rounds.reference ?? [];
  const roundRatios = (run.rounds.agentwire ?? [])
    .map((r, i) => (r[main] as number) / (refRounds[i]?.[main] as number))
    .filter(Number.isFinite);
  const checked = (targets[name] ?? []).map((t) => {
    const actual = t.kind === "ratio" ? ratios[t.figure] : aw[t.figure];
    const has = actual !== undefined && Number.isFinite(actual);
    return {
      ...t,
      actual: has ? actual : null,
      met: has ? (t.op === "<=" ? actual <= t.value : actual >= t.value) : null,
    };
  });
  const report: ScenarioReport = {
    what: run.what,
    agentwire: aw,
    reference: ref ?? null,
    main,
    better: figures[main]?.better ?? "higher",
    ratio: ratios[main] ?? null,
    ratios,
    roundRatios,
    targets: checked,
    rounds: run.rounds,
    notes: run.notes,
  };
  if (pg !== undefined) {
    report["agentwire-pg"] = pg;
    report.pgRatios = ratiosOf(pg, ref);
  }
  return report;
}

/** The figures of one send round: the HTTP ones, or their typed-client twins (`typedSendsPerSec`, ...). */
const SEND_FIGURES = ["sendsPerSec", "p50Ms", "p99Ms", "failed", "serverCpuMsPerSend"] as const;

function sendRounds(rounds: Figures[] | undefined, typed: boolean): Figures[] | undefined {
  const key = (k: string) => (typed ? `typed${k[0]?.toUpperCase()}${k.slice(1)}` : k);
  return rounds?.map((r) => Object.fromEntries(SEND_FIGURES.map((k) => [k, r[key(k)] as number])));
}

/** send_typed is measured in send_throughput's rounds: agentwire's typed figures against the reference's HTTP ones. */
function typedView(run: MailboxRun): MailboxRun {
  const rounds: MailboxRun["rounds"] = {};
  if (run.rounds.reference !== undefined) rounds.reference = run.rounds.reference;
  if (run.rounds.agentwire !== undefined) rounds.agentwire = sendRounds(run.rounds.agentwire, true);
  if (run.rounds["agentwire-pg"] !== undefined)
    rounds["agentwire-pg"] = sendRounds(run.rounds["agentwire-pg"], true);
  return {
    what: `the same sends through agentwire's typed client (createMailbox().send), against the reference's HTTP figures`,
    rounds,
    notes: [],
  };
}

function withoutTyped(run: MailboxRun): MailboxRun {
  const rounds: MailboxRun["rounds"] = {};
  for (const [impl, list] of Object.entries(run.rounds))
    rounds[impl as ServerImpl] = sendRounds(list, false) as Figures[];
  return { ...run, rounds };
}

function fmt(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function table(name: string, r: ScenarioReport): string {
  const ref = (r.reference as Figures | null) ?? {};
  const aw = r.agentwire as Figures;
  const pg = r["agentwire-pg"] as Figures | undefined;
  const pgRatios = (r.pgRatios as Record<string, number> | undefined) ?? {};
  const lines = [`${name} — ${r.what}`];
  const row = (cells: string[]) =>
    `  ${(cells[0] ?? "").padEnd(34)}${(cells[1] ?? "").padStart(12)}${(cells[2] ?? "").padStart(12)}${(cells[3] ?? "").padStart(9)}${pg === undefined ? "" : `${(cells[4] ?? "").padStart(13)}${(cells[5] ?? "").padStart(9)}`}`;
  lines.push(row(["figure (median)", "reference", "agentwire", "ratio", "aw postgres", "ratio"]));
  for (const key of Object.keys(aw)) {
    const spec = figures[key];
    const label = labels[name]?.[key] ?? spec?.label ?? key;
    const refKey = spec?.against ?? key;
    const ratio = r.ratios[key];
    const pgRatio = pgRatios[key];
    lines.push(
      row([
        `${label}${key === r.main ? " *" : ""}`,
        refKey === key ? fmt(ref[key]) : "",
        fmt(aw[key]),
        ratio === undefined ? "—" : `${ratio.toFixed(refKey === key ? 2 : 3)}×`,
        fmt(pg?.[key]),
        pgRatio === undefined ? "—" : `${pgRatio.toFixed(2)}×`,
      ]),
    );
  }
  if (r.roundRatios.length > 0)
    lines.push(`  ratio of * by round: ${r.roundRatios.map((x) => x.toFixed(3)).join("  ")}`);
  for (const t of r.targets) {
    const label = figures[t.figure]?.label ?? t.figure;
    const what = t.kind === "ratio" ? `${label} ratio` : `agentwire ${label}`;
    const status = t.met === null ? "no reference in this run" : t.met ? "met" : "NOT MET";
    lines.push(
      `  target: ${what} ${t.op === "<=" ? "≤" : "≥"} ${t.value} → ${fmt(t.actual)}${t.kind === "ratio" && t.actual !== null ? "×" : ""} ${status}`,
    );
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

/** `--render FILE`: prints the tables of a `--json` run again. */
function render(file: string): number {
  const saved = JSON.parse(readFileSync(file, "utf8")) as {
    machine: Record<string, string | number>;
    sizes: MailboxSizes;
    seconds: number;
    scenarios: Record<string, ScenarioReport | { error: string }>;
  };
  for (const [name, report] of Object.entries(saved.scenarios)) {
    if ("error" in report) process.stdout.write(`\n${name} FAILED: ${report.error}\n`);
    else process.stdout.write(`\n${table(name, report)}\n`);
  }
  const m = saved.machine;
  process.stdout.write(
    `\nmachine: ${m.cpus} × ${m.model}, ${m.memory}, ${m.platform}, node ${m.node}; ${saved.sizes.rounds} rounds, ${saved.seconds.toFixed(0)} s\n`,
  );
  return 0;
}

const USAGE = `usage: npm run bench:mailbox -- [options]
  --quick              small sizes, 2 rounds (a smoke)
  --agentwire-only     no reference server (nothing to install)
  --no-build           dist/ is fresh already (skip npm run build)
  --only a,b           scenarios: ${mailboxScenarios.map((s) => s.name).join(", ")}, send_typed
  --rounds N           rounds per scenario (default 3, 2 with --quick)
  --json               one JSON object on stdout
  --render FILE        the tables of a saved --json run
  --profile DIR        --cpu-prof of every server, in DIR/IMPL/
  --postgres           agentwire on PostgreSQL (a throwaway cluster) is required
                       (by default it is an extra column when /usr/lib/postgresql/*/bin has it)
  --no-postgres        no agentwire-on-PostgreSQL column
  --agentwire-root DIR serve agentwire from another built checkout
  --http-only          no typed client, Watch or SSE
  --help               this text
The first run without --agentwire-only installs the reference into bench/mailbox/reference (minutes).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string" },
      rounds: { type: "string" },
      profile: { type: "string" },
      postgres: { type: "boolean", default: false },
      "no-postgres": { type: "boolean", default: false },
      "agentwire-only": { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      render: { type: "string" },
      "agentwire-root": { type: "string" },
      "http-only": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.render !== undefined) return render(values.render);
  if (values.postgres && values["no-postgres"]) {
    log("--postgres and --no-postgres contradict each other");
    return 2;
  }
  const pgBinaries = postgresBinDir();
  if (values.postgres && pgBinaries === undefined) {
    log(
      "--postgres: no PostgreSQL binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)",
    );
    return 2;
  }
  const withPostgres = !values["no-postgres"] && pgBinaries !== undefined;
  const sizes = { ...(values.quick ? quickSizes : fullSizes) };
  if (values.rounds !== undefined) sizes.rounds = Math.max(1, Number(values.rounds));
  const names = mailboxScenarios.map((s) => s.name);
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((n) => !names.includes(n) && n !== "send_typed") ?? [];
  if (unknown.length > 0) {
    log(`unknown scenario(s) ${unknown.join(", ")}; known: ${names.join(", ")}, send_typed`);
    return 2;
  }
  const selected = mailboxScenarios.filter(
    (s) =>
      only === undefined ||
      only.includes(s.name) ||
      (s.name === "send_throughput" && only.includes("send_typed")),
  );
  if (!values["no-build"]) {
    log("building dist/ (npm run build) …");
    const b = spawnSync("npm", ["run", "build", "--silent"], { stdio: ["ignore", 2, 2] });
    if (b.status !== 0) {
      log("build failed");
      return 1;
    }
  }
  const impls: ServerImpl[] = values["agentwire-only"] ? ["agentwire"] : ["reference", "agentwire"];
  if (impls.includes("reference")) await ensureReference(log);
  let postgres: BenchPostgres | undefined;
  if (withPostgres) {
    impls.push("agentwire-pg");
    log(`starting a throwaway PostgreSQL cluster on 127.0.0.1 (${pgBinaries}) …`);
    postgres = await startBenchPostgres();
  } else if (!values["no-postgres"]) {
    log("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: no agentwire-on-PostgreSQL column");
  }
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  };
  log(
    `agentwire mailbox bench: ${values.quick ? "quick" : "full"}, ${sizes.rounds} rounds, ${impls.join(" / ")}, ${machine.cpus} × ${machine.model}, node ${machine.node}`,
  );
  const reports: Record<string, ScenarioReport | { error: string }> = {};
  const print = (name: string, report: ScenarioReport) => {
    reports[name] = report;
    if (!values.json) process.stdout.write(`\n${table(name, report)}\n`);
  };
  const started = performance.now();
  let failed = false;
  for (const scenario of selected) {
    const t0 = performance.now();
    log(`${scenario.name} …`);
    try {
      const run = await scenario.run({
        sizes,
        impls,
        profileDir: values.profile,
        postgres,
        agentwireRoot: values["agentwire-root"],
        httpOnly: values["http-only"],
        log,
      });
      if (scenario.name === "send_throughput") {
        if (only === undefined || only.includes("send_throughput"))
          print("send_throughput", summarise("send_throughput", withoutTyped(run)));
        print("send_typed", summarise("send_typed", typedView(run)));
      } else {
        print(scenario.name, summarise(scenario.name, run));
      }
    } catch (e) {
      failed = true;
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      reports[scenario.name] = { error: message };
      log(`${scenario.name} FAILED: ${message}`);
    }
    log(`${scenario.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await postgres?.close();
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ machine, quick: values.quick, impls, sizes, seconds, scenarios: reports }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memory}, ${machine.platform}, node ${machine.node}; ${sizes.rounds} rounds, ${seconds.toFixed(0)} s\n`,
    );
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `bench:mailbox failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);
