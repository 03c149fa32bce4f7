/**
 * The mailbox scenarios. Each starts one fresh server per stack (its own new
 * database) and one load client per stack, warms each stack up once, then
 * runs the stacks alternately (reference first) for the given rounds and
 * returns every round's figures. The load is the same for every server.
 */
import { Child } from "../proc.js";
import type { BenchPostgres } from "./postgres.js";
import { type RunningServer, type ServerImpl, startServer } from "./servers.js";

/** The figures of one run, by name. */
export type Figures = Record<string, number>;

/** Problem sizes of one run. */
export interface MailboxSizes {
  rounds: number;
  sends: number;
  senders: number;
  agents: number;
  unreadThreads: number;
  unreadPerThread: number;
  listings: number;
  latencyMessages: number;
  latencyIntervalMs: number;
  pollMs: number;
  raceSends: number;
  memoryMessages: number;
  memoryThreads: number;
  /** The reference's fill stops issuing sends after this; agentwire is filled to the same count. */
  memoryFillDeadlineMs: number;
}

/** What a scenario measured. */
export interface MailboxRun {
  what: string;
  rounds: Partial<Record<ServerImpl, Figures[]>>;
  /** Facts checked along the way (e.g. that both answers have the same shape). */
  notes: string[];
}

/** What reaches every scenario. */
export interface MailboxContext {
  sizes: MailboxSizes;
  /** The stacks measured, the reference (when present) first. */
  impls: ServerImpl[];
  /** Where `--cpu-prof` profiles of the servers go, when profiling. */
  profileDir: string | undefined;
  /** The throwaway PostgreSQL cluster, when agentwire-pg is measured. */
  postgres: BenchPostgres | undefined;
  /** Another agentwire checkout whose built `dist/` serves instead (to measure an older commit). */
  agentwireRoot: string | undefined;
  /** Only the HTTP routes (no typed client, Watch or SSE): for older servers. */
  httpOnly: boolean;
  log(line: string): void;
}

/** One scenario. */
export interface MailboxScenario {
  name: string;
  run(ctx: MailboxContext): Promise<MailboxRun>;
}

type Stacks = Record<string, { server: RunningServer; client: Child }>;

async function withStacks<T>(ctx: MailboxContext, body: (s: Stacks) => Promise<T>): Promise<T> {
  const stacks: Stacks = {};
  try {
    for (const impl of ctx.impls) {
      const nodeFlags =
        ctx.profileDir === undefined
          ? []
          : ["--cpu-prof", `--cpu-prof-dir=${ctx.profileDir}/${impl}`];
      const postgresUrl = impl === "agentwire-pg" ? await ctx.postgres?.freshDatabase() : undefined;
      const server = await startServer(impl, {
        nodeFlags,
        postgresUrl,
        agentwireRoot: ctx.agentwireRoot,
      });
      // --expose-gc: the load client collects its own garbage between timed
      // listings (see load-client.ts), the same for every stack.
      const client = new Child(
        `load-${impl}`,
        "./mailbox/load-client.ts",
        ["--impl", impl === "reference" ? "reference" : "agentwire"],
        ["--expose-gc"],
      );
      stacks[impl] = { server, client };
      await client.event("ready", 60_000);
    }
    return await body(stacks);
  } finally {
    for (const s of Object.values(stacks)) {
      await s.client.stop();
      await s.server.stop();
    }
  }
}

function formatFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(" ");
}

/**
 * Warms each stack up once, then runs the rounds alternately, reference
 * first; agentwire on PostgreSQL (its own column, not a ratio) runs its
 * rounds after the others, each followed by settling the cluster, so that
 * its load and background writes never fall into the compared rounds.
 */
async function alternate(
  ctx: MailboxContext,
  name: string,
  run: (impl: ServerImpl, round: number) => Promise<Figures>,
  warmUp = true,
): Promise<Partial<Record<ServerImpl, Figures[]>>> {
  const rounds: Partial<Record<ServerImpl, Figures[]>> = {};
  const measure = async (impls: ServerImpl[], afterRound?: () => Promise<void>) => {
    if (warmUp) for (const impl of impls) await run(impl, -1);
    for (let r = 0; r < ctx.sizes.rounds; r++) {
      for (const impl of impls) {
        const figures = await run(impl, r);
        await afterRound?.();
        const list = rounds[impl] ?? [];
        list.push(figures);
        rounds[impl] = list;
        ctx.log(`  ${name} round ${r + 1} ${impl}: ${formatFigures(figures)}`);
      }
    }
  };
  await measure(ctx.impls.filter((impl) => impl !== "agentwire-pg"));
  if (ctx.impls.includes("agentwire-pg")) await measure(["agentwire-pg"], ctx.postgres?.settle);
  return rounds;
}

const isAgentwire = (impl: ServerImpl) => impl !== "reference";
const LONG = 600_000;

/** send_throughput and send_typed: 50 senders over 100 agents, through HTTP (and the typed client). */
const sends: MailboxScenario = {
  name: "send_throughput",
  run: (ctx) =>
    withStacks(ctx, async (stacks) => {
      const z = ctx.sizes;
      const rounds = await alternate(ctx, "send_throughput", async (impl, round) => {
        const { server, client } = stacks[impl] as Stacks[string];
        const n = round < 0 ? Math.max(100, Math.round(z.sends / 5)) : z.sends;
        const base = { baseUrl: server.baseUrl, n, concurrency: z.senders, agents: z.agents };
        let cpu0 = server.cpuMs();
        const http = await client.call<Figures>(
          "send",
          { ...base, seed: 1000 + round, via: "http" },
          LONG,
        );
        http.serverCpuMsPerSend = (server.cpuMs() - cpu0) / n;
        if (!isAgentwire(impl) || ctx.httpOnly) return http;
        cpu0 = server.cpuMs();
        const typed = await client.call<Figures>(
          "send",
          { ...base, seed: 2000 + round, via: "typed" },
          LONG,
        );
        return {
          ...http,
          typedServerCpuMsPerSend: (server.cpuMs() - cpu0) / n,
          typedSendsPerSec: typed.sendsPerSec as number,
          typedP50Ms: typed.p50Ms as number,
          typedP99Ms: typed.p99Ms as number,
          typedFailed: typed.failed as number,
        };
      });
      return {
        what: `${z.sends} sends, ${z.senders} concurrent senders over ${z.agents} agents`,
        rounds,
        notes: [],
      };
    }),
};

/** unread_large: one reader with many unread messages in many threads, listed again and again. */
const unreadLarge: MailboxScenario = {
  name: "unread_large",
  run: (ctx) =>
    withStacks(ctx, async (stacks) => {
      const z = ctx.sizes;
      const expect = z.unreadThreads * z.unreadPerThread;
      const reader = "reader@bench";
      for (const impl of ctx.impls) {
        const { server, client } = stacks[impl] as Stacks[string];
        await client.call(
          "seedUnread",
          {
            baseUrl: server.baseUrl,
            reader,
            threads: z.unreadThreads,
            perThread: z.unreadPerThread,
          },
          LONG,
        );
      }
      const shapes = new Map<string, string>();
      const rounds = await alternate(ctx, "unread_large", async (impl, round) => {
        const { server, client } = stacks[impl] as Stacks[string];
        // The warm-up lists 5 times: the first listings of a fresh server and client run cold code.
        const n = round < 0 ? 5 : z.listings;
        const base = { baseUrl: server.baseUrl, reader, n, expect };
        let cpu0 = server.cpuMs();
        const http = await client.call<{
          p50Ms: number;
          p99Ms: number;
          bytes: number;
          frameKeys: string;
        }>("listUnread", { ...base, via: "http" }, LONG);
        shapes.set(impl, http.frameKeys);
        const out: Figures = {
          p50Ms: http.p50Ms,
          p99Ms: http.p99Ms,
          bytes: http.bytes,
          serverCpuMsPerListing: (server.cpuMs() - cpu0) / n,
        };
        if (!isAgentwire(impl) || ctx.httpOnly) return out;
        cpu0 = server.cpuMs();
        const typed = await client.call<Figures>("listUnread", { ...base, via: "typed" }, LONG);
        return {
          ...out,
          // The typed run also makes two untimed Connect calls that size the answer.
          typedServerCpuMsPerListing: (server.cpuMs() - cpu0) / (n + 2),
          typedP50Ms: typed.p50Ms as number,
          typedP99Ms: typed.p99Ms as number,
          typedBytes: typed.bytes as number,
          typedWireBytes: typed.wireBytes as number,
        };
      });
      const notes: string[] = [];
      const ref = shapes.get("reference");
      for (const [impl, shape] of shapes) {
        if (impl === "reference" || ref === undefined) continue;
        notes.push(
          shape === ref
            ? `${impl}: the HTTP answer has the reference's shape (${expect} frames; frame keys ${shape})`
            : `${impl}: the HTTP answer's frame keys differ: ${shape} vs the reference's ${ref}`,
        );
      }
      return {
        what: `${expect} unread messages in ${z.unreadThreads} threads, listed ${z.listings} times a round`,
        rounds,
        notes,
      };
    }),
};

/** delivery_latency: send → seen; the reference's reader polls, agentwire's watches (Watch and SSE). */
const deliveryLatency: MailboxScenario = {
  name: "delivery_latency",
  run: (ctx) =>
    withStacks(ctx, async (stacks) => {
      const z = ctx.sizes;
      const rounds = await alternate(ctx, "delivery_latency", async (impl, round) => {
        const { server, client } = stacks[impl] as Stacks[string];
        const base = {
          baseUrl: server.baseUrl,
          n: round < 0 ? 10 : z.latencyMessages,
          intervalMs: z.latencyIntervalMs,
          pollMs: z.pollMs,
          tag: `r${round + 1}`,
        };
        if (!isAgentwire(impl))
          return client.call<Figures>("latency", { ...base, via: "poll" }, LONG);
        const watch = await client.call<Figures>("latency", { ...base, via: "watch" }, LONG);
        const sse = await client.call<Figures>("latency", { ...base, via: "sse" }, LONG);
        return {
          ...watch,
          sseP50Ms: sse.p50Ms as number,
          sseP99Ms: sse.p99Ms as number,
          sseLost: sse.lost as number,
        };
      });
      return {
        what: `${z.latencyMessages} messages ${z.latencyIntervalMs} ms apart; reference polls every ${z.pollMs} ms (unread, then read)`,
        rounds,
        notes: [],
      };
    }),
};

/** cursor_race: a reader lists and marks read while a sender sends into the same thread. */
const cursorRace: MailboxScenario = {
  name: "cursor_race",
  run: (ctx) =>
    withStacks(ctx, async (stacks) => {
      const z = ctx.sizes;
      const rounds = await alternate(ctx, "cursor_race", async (impl, round) => {
        const { server, client } = stacks[impl] as Stacks[string];
        const base = {
          baseUrl: server.baseUrl,
          sends: round < 0 ? 20 : z.raceSends,
          tag: `r${round + 1}`,
        };
        const http = await client.call<Figures>("cursorRace", { ...base, via: "http" }, LONG);
        if (!isAgentwire(impl) || ctx.httpOnly) return http;
        const typed = await client.call<Figures>("cursorRace", { ...base, via: "typed" }, LONG);
        return {
          lost: typed.lost as number,
          sent: typed.sent as number,
          reads: typed.reads as number,
          httpLost: http.lost as number,
          httpReads: http.reads as number,
        };
      });
      return {
        what: `${z.raceSends} sends into one thread while its reader lists and marks read in a loop`,
        rounds,
        notes: [],
      };
    }),
};

/** server_memory: the server's RSS after many messages in many threads (one round, reference first). */
const serverMemory: MailboxScenario = {
  name: "server_memory",
  run: (ctx) =>
    withStacks(ctx, async (stacks) => {
      const z = ctx.sizes;
      let target = z.memoryMessages;
      const rounds: Partial<Record<ServerImpl, Figures[]>> = {};
      const notes: string[] = [];
      for (const impl of ctx.impls) {
        const { server, client } = stacks[impl] as Stacks[string];
        const baselineMb = server.rssBytes() / 2 ** 20;
        const filled = await client.call<{ sent: number; ms: number }>(
          "fill",
          {
            baseUrl: server.baseUrl,
            messages: target,
            threads: z.memoryThreads,
            concurrency: z.senders,
            deadlineMs: impl === "reference" ? z.memoryFillDeadlineMs : 3_600_000,
          },
          3_600_000,
        );
        if (impl === "reference" && filled.sent < target) {
          notes.push(
            `the reference's fill stopped at ${filled.sent} of ${target} messages (deadline ${z.memoryFillDeadlineMs / 1000} s); every stack was filled to ${filled.sent}`,
          );
          target = filled.sent;
        }
        await new Promise((r) => setTimeout(r, 1000));
        const figures: Figures = {
          rssMb: server.rssBytes() / 2 ** 20,
          baselineRssMb: baselineMb,
          messages: filled.sent,
          fillSendsPerSec: (filled.sent * 1000) / filled.ms,
        };
        rounds[impl] = [figures];
        ctx.log(`  server_memory ${impl}: ${formatFigures(figures)}`);
      }
      return {
        what: `server RSS after ${target} messages in ${z.memoryThreads} threads (sent over HTTP, ${z.senders} at a time)`,
        rounds,
        notes,
      };
    }),
};

/** Every scenario, in run order. */
export const mailboxScenarios: MailboxScenario[] = [
  sends,
  unreadLarge,
  deliveryLatency,
  cursorRace,
  serverMemory,
];
