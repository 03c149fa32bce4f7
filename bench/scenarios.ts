/**
 * The benchmark scenarios. Each forks a fresh bench sidecar and one client
 * process per stack, then runs the stacks alternately (reference, agentwire,
 * reference, agentwire, ...) for the given rounds after one untimed warm-up
 * run each, and returns every round's figures.
 */
import { Child } from "./proc.js";
import type { Summary } from "./stats.js";

/** A stack a client process runs. */
export type Impl = "agentwire" | "reference" | "raw";

/** The figures of one run, by name. */
export type Figures = Record<string, number>;

/** Problem sizes of one benchmark run. */
export interface Sizes {
  rounds: number;
  outboundFrames: number;
  inboundMessages: number;
  roundTrips: number;
  pacedRatePerSecond: number;
  pacedDurationMs: number;
  codecDurationMs: number;
  reconnectWrites: number;
  outageMs: number;
  /** How long a restarted sidecar waits for the client's config, and then for the outage writes. */
  reconnectTimeoutMs: number;
  idleSessions: number;
}

/** What a scenario measured: per-round figures of both stacks. */
export interface ScenarioRun {
  /** The stack compared against the reference (agentwire, or raw for the ceiling). */
  subject: Impl;
  /** Figures of every timed round, per stack. */
  rounds: Partial<Record<Impl, Figures[]>>;
  /** What the scenario did, for the table's heading. */
  what: string;
}

/** Options that reach every scenario. */
export interface ScenarioContext {
  sizes: Sizes;
  /** Directory for `--cpu-prof` of the agentwire client, when profiling. */
  profileDir: string | undefined;
  /** Progress lines (stderr). */
  log(line: string): void;
}

/** One scenario: its name and how to run it. */
export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

async function startServer(
  port = 0,
  args: string[] = [],
): Promise<{ server: Child; port: number }> {
  const server = new Child("server", "./server.ts", ["--port", String(port), ...args]);
  const { port: bound } = await server.event<{ port: number }>("listening", 30_000);
  return { server, port: bound };
}

async function startClient(impl: Impl, port: number, ctx: ScenarioContext): Promise<Child> {
  const execArgv = ["--expose-gc"];
  if (ctx.profileDir !== undefined && impl === "agentwire") {
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${ctx.profileDir}`);
  }
  const client = new Child(impl, "./client.ts", ["--impl", impl, "--port", String(port)], execArgv);
  await client.event("ready", 30_000);
  return client;
}

/** Runs `body` with a fresh server and the two clients; stops every process afterwards. */
async function withProcesses<T>(
  impls: [Impl, Impl],
  ctx: ScenarioContext,
  body: (server: Child, clients: Record<string, Child>) => Promise<T>,
): Promise<T> {
  const { server, port } = await startServer();
  const clients: Record<string, Child> = {};
  try {
    const [a, b] = await Promise.all(impls.map((impl) => startClient(impl, port, ctx)));
    clients[impls[0]] = a as Child;
    clients[impls[1]] = b as Child;
    return await body(server, clients);
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.stop()));
    await server.stop();
  }
}

/** Warms each stack up once, then runs the rounds alternately, reference first. */
async function alternate(
  impls: [Impl, Impl],
  ctx: ScenarioContext,
  name: string,
  run: (impl: Impl, warmUp: boolean) => Promise<Figures>,
): Promise<Partial<Record<Impl, Figures[]>>> {
  const rounds: Partial<Record<Impl, Figures[]>> = {};
  for (const impl of impls) await run(impl, true);
  for (let r = 0; r < ctx.sizes.rounds; r++) {
    for (const impl of impls) {
      const figures = await run(impl, false);
      const list = rounds[impl] ?? [];
      list.push(figures);
      rounds[impl] = list;
      ctx.log(`  ${name} round ${r + 1} ${impl}: ${formatFigures(figures)}`);
    }
  }
  return rounds;
}

function formatFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(" ");
}

const pair: [Impl, Impl] = ["reference", "agentwire"];

async function expectClean(server: Child, what: string): Promise<void> {
  const stats = await server.call<{ badFrames: number }>("stats");
  if (stats.badFrames > 0)
    throw new Error(`${what}: the sidecar saw ${stats.badFrames} bad frames`);
}

/** An outbound flood run of `impl` through `server`: msgs/s until the sidecar got them all. */
async function floodRun(server: Child, client: Child, n: number, what: string): Promise<Figures> {
  await server.call("mode", { kind: "count", n });
  const counted = server.event<{ n: number }>("counted", 120_000);
  const { ms, cpuUs } = await client.call<{ ms: number; cpuUs: number }>("outbound", { n });
  await counted;
  await expectClean(server, what);
  return { msgsPerSec: (n * 1000) / ms, cpuUsPerMsg: cpuUs / n };
}

/** The scenarios, in the order they run. */
export const scenarios: Scenario[] = [
  {
    name: "outbound_flood",
    async run(ctx) {
      const n = ctx.sizes.outboundFrames;
      const rounds = await withProcesses(pair, ctx, (server, clients) =>
        alternate(pair, ctx, "outbound_flood", (impl, warm) =>
          floodRun(server, clients[impl] as Child, warm ? Math.ceil(n / 5) : n, "outbound_flood"),
        ),
      );
      return { subject: "agentwire", rounds, what: `${n} DELTA frames agent → sidecar` };
    },
  },
  {
    name: "inbound_flood",
    async run(ctx) {
      const n = ctx.sizes.inboundMessages;
      const rounds = await withProcesses(pair, ctx, (server, clients) =>
        alternate(pair, ctx, "inbound_flood", async (impl, warm) => {
          const count = warm ? Math.ceil(n / 5) : n;
          await server.call("mode", { kind: "inbound", n: count });
          const client = clients[impl] as Child;
          const { ms, cpuUs } = await client.call<{ ms: number; cpuUs: number }>("inbound", {
            n: count,
          });
          await expectClean(server, "inbound_flood");
          return { msgsPerSec: (count * 1000) / ms, cpuUsPerMsg: cpuUs / count };
        }),
      );
      return { subject: "agentwire", rounds, what: `${n} user messages (~640 B) sidecar → agent` };
    },
  },
  {
    name: "rtt",
    async run(ctx) {
      const n = ctx.sizes.roundTrips;
      const rounds = await withProcesses(pair, ctx, (server, clients) =>
        alternate(pair, ctx, "rtt", async (impl, warm) => {
          const count = warm ? Math.ceil(n / 5) : n;
          await server.call("mode", { kind: "rtt", n: count });
          const summary = server.event<Summary>("rtt", 120_000);
          await (clients[impl] as Child).call("rtt", { n: count });
          const s = await summary;
          await expectClean(server, "rtt");
          return { p50Us: s.p50, p90Us: s.p90, p99Us: s.p99 };
        }),
      );
      return { subject: "agentwire", rounds, what: `${n} round trips: user message → first DELTA` };
    },
  },
  {
    name: "paced_cpu",
    async run(ctx) {
      const { pacedRatePerSecond: rate, pacedDurationMs: durationMs } = ctx.sizes;
      const rounds = await withProcesses(pair, ctx, (server, clients) =>
        alternate(pair, ctx, "paced_cpu", async (impl, warm) => {
          const ms = warm ? Math.min(1000, durationMs) : durationMs;
          const n = Math.round((rate * ms) / 1000);
          await server.call("mode", { kind: "count", n });
          const counted = server.event("counted", 60_000);
          const r = await (clients[impl] as Child).call<{
            ms: number;
            cpuUs: number;
            sent: number;
          }>("paced", { ratePerSecond: rate, durationMs: ms });
          await counted;
          await expectClean(server, "paced_cpu");
          return { cpuPercent: (r.cpuUs / (r.ms * 1000)) * 100, cpuUsPerMsg: r.cpuUs / r.sent };
        }),
      );
      return {
        subject: "agentwire",
        rounds,
        what: `${rate} DELTA frames/s for ${durationMs / 1000} s, one or two per 1 ms tick`,
      };
    },
  },
  {
    name: "codec",
    async run(ctx) {
      const durationMs = ctx.sizes.codecDurationMs;
      const rounds = await withProcesses(pair, ctx, (_server, clients) =>
        alternate(pair, ctx, "codec", async (impl, warm) => {
          const r = await (clients[impl] as Child).call<{
            encodeOpsPerSec: number;
            decodeOpsPerSec: number;
          }>("codec", { durationMs: warm ? durationMs / 2 : durationMs });
          return { encodeOpsPerSec: r.encodeOpsPerSec, decodeOpsPerSec: r.decodeOpsPerSec };
        }),
      );
      return {
        subject: "agentwire",
        rounds,
        what: "encode ConversationRequest{agent_response{content DELTA}}, decode AgentResponse{incoming_message}",
      };
    },
  },
  {
    name: "reconnect",
    async run(ctx) {
      return { subject: "agentwire", rounds: await reconnectRounds(ctx), what: reconnectWhat(ctx) };
    },
  },
  {
    name: "idle_memory",
    async run(ctx) {
      const n = ctx.sizes.idleSessions;
      const rounds = await withProcesses(pair, ctx, (server, clients) =>
        alternate(pair, ctx, "idle_memory", async (impl, warm) => {
          const client = clients[impl] as Child;
          const count = warm ? Math.ceil(n / 5) : n;
          const before = await client.call<number>("idleBaseline");
          const configs0 = (await server.call<{ configs: number }>("stats")).configs;
          await client.call("idleOpen", { n: count });
          await waitFor(
            async () =>
              (await server.call<{ configs: number }>("stats")).configs - configs0 >= count,
            30_000,
            `idle_memory: the sidecar did not see ${count} configs`,
          );
          const after = await client.call<number>("idleMeasure");
          await client.call("idleClose");
          return { bytesPerSession: (after - before) / count };
        }),
      );
      return {
        subject: "agentwire",
        rounds,
        what: `${n} idle conversation streams sharing one HTTP/2 connection; heapUsed after gc`,
      };
    },
  },
  {
    name: "ceiling",
    async run(ctx) {
      const n = ctx.sizes.outboundFrames;
      const impls: [Impl, Impl] = ["reference", "raw"];
      const rounds = await withProcesses(impls, ctx, (server, clients) =>
        alternate(impls, ctx, "ceiling", async (impl, warm) => {
          const f = await floodRun(
            server,
            clients[impl] as Child,
            warm ? Math.ceil(n / 5) : n,
            "ceiling",
          );
          return { msgsPerSec: f.msgsPerSec as number };
        }),
      );
      return {
        subject: "raw",
        rounds,
        what: `${n} pre-encoded DELTA envelopes over raw node:http2, 1024 per write`,
      };
    },
  },
];

function reconnectWhat(ctx: ScenarioContext): string {
  const { reconnectWrites: k, outageMs } = ctx.sizes;
  return `sidecar SIGKILLed, ${k} writes during a ${outageMs} ms outage, sidecar restarted on the same port`;
}

/** The reconnect rounds: each run kills the sidecar under an open stream and restarts it. */
async function reconnectRounds(ctx: ScenarioContext): Promise<Partial<Record<Impl, Figures[]>>> {
  const { reconnectWrites: k, outageMs, reconnectTimeoutMs } = ctx.sizes;
  let { server, port } = await startServer();
  const clients: Partial<Record<Impl, Child>> = {};
  try {
    const [a, b] = await Promise.all(pair.map((impl) => startClient(impl, port, ctx)));
    clients.reference = a;
    clients.agentwire = b;
    return await alternate(pair, ctx, "reconnect", async (impl, warm): Promise<Figures> => {
      if (warm) return {};
      const client = clients[impl] as Child;
      await client.call("reconnectOpen");
      await server.kill();
      const killedAt = performance.now();
      const writes = client.call<{ noticedMs: number }>("outageWrites", { k }, 30_000);
      const { noticedMs } = await writes;
      const wait = outageMs - (performance.now() - killedAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      server = new Child("server", "./server.ts", [
        "--port",
        String(port),
        "--mode",
        "count",
        "--n",
        String(k),
      ]);
      const listening = await server.event<{ port: number; atMs: number }>("listening", 30_000);
      port = listening.port;
      // A client that gave up never sends its config: that round reads as not reconnected.
      const config = await server
        .event<{ atMs: number }>("config", reconnectTimeoutMs)
        .catch(() => undefined);
      let delivered = k;
      try {
        if (config === undefined) throw new Error("not reconnected");
        await server.event("counted", reconnectTimeoutMs);
      } catch {
        delivered = (await server.call<{ counted: number }>("stats")).counted;
      }
      const settled = await client.call<{ handedOver: number; failed: number }>("reconnectClose");
      await server.call("mode", { kind: "idle", n: 0 });
      await expectClean(server, "reconnect");
      return {
        reconnectMs: config === undefined ? Number.NaN : config.atMs - listening.atMs,
        reconnected: config === undefined ? 0 : 1,
        noticedMs,
        delivered,
        lost: k - delivered,
        failedWrites: settled.failed,
      };
    });
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.stop()));
    await server.stop();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 20));
  }
}
