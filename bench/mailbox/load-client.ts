/**
 * The mailbox load client: `node --import tsx bench/mailbox/load-client.ts
 * --impl agentwire|reference`, forked by the orchestrator. The HTTP load is
 * the same code for both servers; only the agentwire process loads
 * agentwire's typed client (from the compiled `dist/`, as shipped), for the
 * typed, Watch and SSE measurements. Commands run one at a time.
 */
import * as http from "node:http";
import { parseArgs } from "node:util";
import type * as MailboxClient from "agentwire/mailbox";
import { type CommandHandler, emitEvent, serveCommands } from "../proc.js";
import { summarise } from "../stats.js";
import { createHttpLoad, type HttpLoad, pool, prng } from "./http-load.js";

const { values } = parseArgs({ options: { impl: { type: "string" } } });
const impl = values.impl;
if (impl !== "agentwire" && impl !== "reference")
  throw new Error(`load-client: --impl must be agentwire or reference, got ${impl}`);

let typed: typeof MailboxClient | undefined;
if (impl === "agentwire") {
  typed = (await import(
    new URL("../../dist/src/mailbox/client/index.js", import.meta.url).href
  )) as typeof MailboxClient;
}
function typedClient(): typeof MailboxClient {
  if (typed === undefined) throw new Error("the typed client is agentwire's only");
  return typed;
}

/** A send as both servers take it on `POST /messages/send`. */
interface SendBody {
  from: string;
  to: string;
  payload: { text: string; n: number };
  contextSnapshot: { task: string; step: number };
}

const agentIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `agent-${String(i).padStart(3, "0")}@bench`);

/** The same pseudo-random sends for both servers: `from` and `to` over `agents` agents. */
function plannedSends(n: number, agents: number, seed: number): SendBody[] {
  const ids = agentIds(agents);
  const rand = prng(seed);
  const out: SendBody[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor(rand() * agents);
    const to = (from + 1 + Math.floor(rand() * (agents - 1))) % agents;
    out.push({
      from: ids[from] as string,
      to: ids[to] as string,
      payload: { text: `status update ${i}: the build is green, next step queued`, n: i },
      contextSnapshot: { task: "bench", step: i },
    });
  }
  return out;
}

const loads = new Map<string, HttpLoad>();
function load(baseUrl: string): HttpLoad {
  let l = loads.get(baseUrl);
  if (l === undefined) {
    l = createHttpLoad(baseUrl);
    loads.set(baseUrl, l);
  }
  return l;
}

// The typed senders, one client per agent, kept like the HTTP pools above: an
// agent keeps its client, so a round starts on the connections of the rounds
// before it (and of the warm-up), not on new ones. Both live as long as this
// process, one per scenario, which exits when the orchestrator disconnects.
const senders = new Map<string, MailboxClient.Mailbox>();
function typedSender(baseUrl: string, agentId: string): MailboxClient.Mailbox {
  const key = `${baseUrl} ${agentId}`;
  let mb = senders.get(key);
  if (mb === undefined) {
    mb = typedClient().createMailbox({ agentId, baseUrl });
    senders.set(key, mb);
  }
  return mb;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const round2 = (v: number) => Math.round(v * 100) / 100;

/** Sends through `POST /messages/send` (HTTP) or agentwire's typed client, `concurrency` at a time. */
async function send(args: {
  baseUrl: string;
  n: number;
  concurrency: number;
  agents: number;
  seed: number;
  via: "http" | "typed";
}) {
  const sends = plannedSends(args.n, args.agents, args.seed);
  const latencies = new Array<number>(args.n);
  // A failed send is counted (and its first errors logged), not retried: sends are not idempotent.
  let failed = 0;
  const failure = (e: unknown) => {
    if (++failed <= 3)
      process.stderr.write(`  ${impl} ${args.via} send failed: ${(e as Error).message}\n`);
  };
  let task: (i: number) => Promise<void>;
  if (args.via === "http") {
    const l = load(args.baseUrl);
    task = async (i) => {
      try {
        const { ms } = await l.postJson("/messages/send", sends[i]);
        latencies[i] = ms;
      } catch (e) {
        failure(e);
      }
    };
  } else {
    task = async (i) => {
      const s = sends[i] as SendBody;
      const mb = typedSender(args.baseUrl, s.from);
      const t0 = performance.now();
      try {
        await mb.send(s.to, s.payload, { contextSnapshot: s.contextSnapshot });
        latencies[i] = performance.now() - t0;
      } catch (e) {
        failure(e);
      }
    };
  }
  const t0 = performance.now();
  await pool(args.n, args.concurrency, task);
  const ms = performance.now() - t0;
  const s = summarise(latencies.filter((v) => v !== undefined));
  return {
    sendsPerSec: round2(((args.n - failed) * 1000) / ms),
    p50Ms: s.p50,
    p99Ms: s.p99,
    failed,
  };
}

/** Fills a reader's mailbox: `threads` senders each send `perThread` messages to it. */
async function seedUnread(args: {
  baseUrl: string;
  reader: string;
  threads: number;
  perThread: number;
}) {
  const l = load(args.baseUrl);
  const total = args.threads * args.perThread;
  await pool(total, 8, async (k) => {
    const t = k % args.threads;
    await l.postJson("/messages/send", {
      from: `sender-${String(t).padStart(2, "0")}@bench`,
      to: args.reader,
      payload: { text: `finding ${k}: the cache misses on cold start; see the attached trace`, k },
      contextSnapshot: { task: "triage", thread: t, step: Math.floor(k / args.threads) },
    });
  });
  return { sent: total };
}

/** The Connect binary request `UnreadRequest{agent_id}` (field 1, a short string). */
function unreadRequest(agentId: string): Buffer {
  const id = Buffer.from(agentId, "utf8");
  if (id.length > 127) throw new Error("agent id too long for the one-byte length");
  return Buffer.concat([Buffer.from([0x0a, id.length]), id]);
}

/**
 * Collects the load client's own garbage (with `--expose-gc`), outside the
 * timing: parsing a 5 MB answer leaves megabytes behind, and a collection of
 * them inside the next listing's time would be the client's, not the server's.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Lists a reader's unread mail `n` times through HTTP or the typed API; times each and sizes the answer. */
async function listUnread(args: {
  baseUrl: string;
  reader: string;
  n: number;
  expect: number;
  via: "http" | "typed";
}) {
  const times: number[] = [];
  let bytes = 0;
  let wireBytes = 0;
  let frameKeys = "";
  if (args.via === "http") {
    const l = load(args.baseUrl);
    for (let i = 0; i < args.n; i++) {
      collectGarbage();
      const {
        value,
        ms,
        bytes: b,
      } = await l.getJson<{ messages: Record<string, unknown>[] }>(
        `/mailbox/${encodeURIComponent(args.reader)}/unread`,
      );
      if (value.messages.length !== args.expect)
        throw new Error(`unread listed ${value.messages.length}, expected ${args.expect}`);
      times.push(ms);
      bytes = b;
      wireBytes = b;
      const first = value.messages[0] ?? {};
      frameKeys = `${Object.keys(first).sort().join(",")};context:${Object.keys(
        (first.context as object) ?? {},
      )
        .sort()
        .join(",")}`;
    }
  } else {
    const mb = typedClient().createMailbox({ agentId: args.reader, baseUrl: args.baseUrl });
    for (let i = 0; i < args.n; i++) {
      collectGarbage();
      const t0 = performance.now();
      const list = await mb.unread();
      times.push(performance.now() - t0);
      if (list.length !== args.expect)
        throw new Error(`typed unread listed ${list.length}, expected ${args.expect}`);
    }
    mb.close();
    // The same answer's size: uncompressed, and as the typed client receives it (it accepts gzip).
    const l = load(args.baseUrl);
    const headers = {
      "content-type": "application/proto",
      "connect-protocol-version": "1",
    };
    const path = "/agentwire.mailbox.v1.MailboxService/Unread";
    const plain = await l.post(path, unreadRequest(args.reader), headers);
    const gz = await l.post(path, unreadRequest(args.reader), {
      ...headers,
      "accept-encoding": "gzip, br",
    });
    if (plain.status !== 200 || gz.status !== 200)
      throw new Error(`Unread over Connect: HTTP ${plain.status}/${gz.status}`);
    bytes = plain.body.length;
    wireBytes = gz.body.length;
  }
  const s = summarise(times);
  return { p50Ms: s.p50, p99Ms: s.p99, bytes, wireBytes, frameKeys };
}

/** The receiving side of delivery_latency: calls `seen(i)` for every message it sees. */
type Receiver = { opened: Promise<void>; stop(): Promise<void> };

function pollReceiver(
  l: HttpLoad,
  reader: string,
  pollMs: number,
  seen: (i: number) => void,
): Receiver {
  let stopping = false;
  const loop = (async () => {
    let next = performance.now();
    while (!stopping) {
      const { value } = await l.getJson<{
        messages: { threadId: string; payload: { i: number } }[];
      }>(`/mailbox/${encodeURIComponent(reader)}/unread`);
      const threads = new Set<string>();
      for (const f of value.messages) {
        seen(f.payload.i);
        threads.add(f.threadId);
      }
      for (const threadId of threads)
        await l.postJson(`/mailbox/${encodeURIComponent(reader)}/read`, { threadId });
      next += pollMs;
      const now = performance.now();
      if (next < now) next = now;
      await sleep(next - now);
    }
  })();
  return {
    opened: Promise.resolve(),
    stop() {
      stopping = true;
      return loop;
    },
  };
}

function watchReceiver(baseUrl: string, reader: string, seen: (i: number) => void): Receiver {
  const mb = typedClient().createMailbox({ agentId: reader, baseUrl });
  const stop = new AbortController();
  const watch = mb.watch({ signal: stop.signal });
  const opened = new Promise<void>((resolve) => {
    watch.on("state", (c) => {
      if (c.state === "open") resolve();
    });
  });
  const loop = (async () => {
    for await (const d of watch) seen((d.message.payload as { i: number }).i);
  })();
  return {
    opened,
    async stop() {
      stop.abort();
      await loop;
      mb.close();
    },
  };
}

function sseReceiver(baseUrl: string, reader: string, seen: (i: number) => void): Receiver {
  const url = new URL(`/mailbox/${encodeURIComponent(reader)}/events`, baseUrl);
  let req: http.ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    req = http.get(url, { headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`SSE: HTTP ${res.statusCode}`));
      res.setEncoding("utf8");
      let buffered = "";
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let end = buffered.indexOf("\n\n");
        while (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (event.startsWith(":")) resolve();
          for (const line of event.split("\n"))
            if (line.startsWith("data: ")) seen(JSON.parse(line.slice(6)).payload.i);
          end = buffered.indexOf("\n\n");
        }
      });
      res.on("error", () => {});
    });
    req.on("error", () => {});
  });
  return {
    opened,
    async stop() {
      req?.destroy();
    },
  };
}

/** Sends `n` messages every `intervalMs` and measures send → seen at the receiver. */
async function latency(args: {
  baseUrl: string;
  n: number;
  intervalMs: number;
  pollMs: number;
  via: "poll" | "watch" | "sse";
  tag: string;
}) {
  const reader = `lat-reader-${args.via}-${args.tag}@bench`;
  const sender = `lat-sender-${args.tag}@bench`;
  const l = load(args.baseUrl);
  await l.postJson("/agents/register", { agentId: reader });
  const sentAt = new Array<number>(args.n);
  const seenAt = new Array<number>(args.n);
  let seenCount = 0;
  let allSeen: () => void = () => {};
  const everything = new Promise<void>((r) => {
    allSeen = r;
  });
  const seen = (i: number) => {
    if (seenAt[i] !== undefined) return;
    seenAt[i] = performance.now();
    if (++seenCount === args.n) allSeen();
  };
  const receiver =
    args.via === "poll"
      ? pollReceiver(l, reader, args.pollMs, seen)
      : args.via === "watch"
        ? watchReceiver(args.baseUrl, reader, seen)
        : sseReceiver(args.baseUrl, reader, seen);
  await receiver.opened;
  const t0 = performance.now();
  // A failed send is counted and reported with the first error, never left an unhandled rejection.
  const failures: unknown[] = [];
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < args.n; i++) {
    await sleep(t0 + i * args.intervalMs - performance.now());
    sentAt[i] = performance.now();
    sends.push(
      l
        .postJson("/messages/send", { from: sender, to: reader, payload: { i } })
        .catch((e: unknown) => failures.push(e)),
    );
  }
  await Promise.all(sends);
  if (failures.length > 0)
    throw new Error(
      `${failures.length} of ${args.n} latency sends (${args.via}) failed; the first: ${String(failures[0])}`,
    );
  await Promise.race([everything, sleep(2000 + 3 * args.pollMs)]);
  await receiver.stop();
  const lat: number[] = [];
  for (let i = 0; i < args.n; i++)
    if (seenAt[i] !== undefined) lat.push((seenAt[i] as number) - (sentAt[i] as number));
  const s = summarise(lat);
  return { p50Ms: s.p50, p99Ms: s.p99, lost: args.n - lat.length };
}

/** Overlapping reads (list, then mark the listed threads read) and sends; counts what was never listed. */
async function cursorRace(args: {
  baseUrl: string;
  sends: number;
  via: "http" | "typed";
  tag: string;
}) {
  const reader = `race-reader-${args.via}-${args.tag}@bench`;
  const sender = `race-sender-${args.tag}@bench`;
  const l = load(args.baseUrl);
  const sent = new Set<string>();
  const listed = new Set<string>();
  let sending = true;
  const senderLoop = (async () => {
    for (let k = 0; k < args.sends; k++) {
      const { value } = await l.postJson<{ messageId: string }>("/messages/send", {
        from: sender,
        to: reader,
        payload: { k },
      });
      sent.add(value.messageId);
    }
    sending = false;
  })();
  let reads = 0;
  if (args.via === "http") {
    const path = `/mailbox/${encodeURIComponent(reader)}`;
    const list = async () => {
      const { value } = await l.getJson<{ messages: { id: string; threadId: string }[] }>(
        `${path}/unread`,
      );
      for (const f of value.messages) listed.add(f.id);
      return new Set(value.messages.map((f) => f.threadId));
    };
    while (sending) {
      for (const threadId of await list()) await l.postJson(`${path}/read`, { threadId });
      reads++;
    }
    await senderLoop;
    await list();
  } else {
    const mb = typedClient().createMailbox({ agentId: reader, baseUrl: args.baseUrl });
    const list = async () => {
      const upTo = new Map<string, bigint>();
      for (const d of await mb.unread()) {
        listed.add(d.message.id);
        const seq = BigInt(d.seq);
        if ((upTo.get(d.threadId) ?? -1n) < seq) upTo.set(d.threadId, seq);
      }
      return upTo;
    };
    while (sending) {
      for (const [threadId, seq] of await list()) await mb.markRead(threadId, { upTo: seq });
      reads++;
    }
    await senderLoop;
    await list();
    mb.close();
  }
  let lost = 0;
  for (const id of sent) if (!listed.has(id)) lost++;
  return { lost, sent: sent.size, reads };
}

/** Fills the server with `messages` sends over `threads` two-agent threads (stops issuing at `deadlineMs`). */
async function fill(args: {
  baseUrl: string;
  messages: number;
  threads: number;
  concurrency: number;
  deadlineMs: number;
}) {
  const ids = agentIds(100);
  const pairs: [string, string][] = [];
  for (let a = 0; a < ids.length && pairs.length < args.threads; a++)
    for (let b = a + 1; b < ids.length && pairs.length < args.threads; b++)
      pairs.push([ids[a] as string, ids[b] as string]);
  const l = load(args.baseUrl);
  const t0 = performance.now();
  let sent = 0;
  let issued = 0;
  await pool(args.messages, args.concurrency, async (k) => {
    if (performance.now() - t0 > args.deadlineMs) return;
    issued++;
    const [a, b] = pairs[k % pairs.length] as [string, string];
    const flip = Math.floor(k / pairs.length) % 2 === 1;
    await l.postJson("/messages/send", {
      from: flip ? b : a,
      to: flip ? a : b,
      payload: { text: `progress note ${k}: step done, artifacts uploaded, next one started`, k },
      contextSnapshot: { task: "fill", step: k },
    });
    sent++;
  });
  return { sent, issued, ms: performance.now() - t0 };
}

const commands: Record<string, CommandHandler> = {
  send,
  seedUnread,
  listUnread,
  latency,
  cursorRace,
  fill,
};
serveCommands(commands);
emitEvent("ready");
