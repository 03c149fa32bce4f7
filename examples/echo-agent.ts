/**
 * The echo agent: a complete agentwire agent in a few lines. It answers a
 * message with "echo: <message>", streamed word by word, and "count N" with
 * the numbers 1 to N, one every 20 ms, stopping at once when the user
 * presses stop; a voice message is answered with its size and type. It
 * waits for its sidecar, survives sidecar restarts (logging an outage in a
 * few lines), exits cleanly on Ctrl-C, and exits with code 1, saying why,
 * when the sidecar refuses it for good (e.g. UNIMPLEMENTED).
 *
 *   GRPC_SERVER_ADDR=localhost:9090 npx tsx examples/echo-agent.ts
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import {
  type AudioInput,
  createAgentClient,
  createSession,
  reportOutages,
  type ServeHandle,
  type Session,
  serve,
  type Turn,
} from "agentwire";

/** Options of `startEchoAgent`. */
export interface EchoAgentOptions {
  /** The sidecar's gRPC address, `host:port` (default `GRPC_SERVER_ADDR`, then localhost:9090). */
  address?: string;
  /** Stops the agent when it aborts. */
  signal?: AbortSignal;
  /** Receives a line when the connection to the sidecar changes. */
  log?: (line: string) => void;
}

/** A running echo agent. */
export interface EchoAgent {
  /** Resolves once the agent is registered with its sidecar. */
  ready: Promise<void>;
  /**
   * Resolves when the agent was stopped (close() or its signal); rejects with
   * the error that ended it otherwise: a sidecar that refuses it for good.
   */
  done: Promise<void>;
  /** Stops serving and closes the connection. */
  close(): Promise<void>;
}

/** Replies to one message: `count N` counts, anything else is echoed. */
async function reply(turn: Turn): Promise<void> {
  const count = /^count (\d+)$/.exec(turn.message.content.trim());
  if (count) {
    for (let i = 1; i <= Number(count[1]); i++) {
      await turn.write(`${i} `);
      await sleep(20, undefined, { signal: turn.signal }); // a stop ends the wait at once
    }
    return;
  }
  // Word by word, each with the whitespace after it, so the DELTAs add up exactly.
  for (const word of `echo: ${turn.message.content}`.match(/\S+\s*|\s+/g) ?? []) {
    await turn.write(word);
  }
}

/** Answers a voice message with what arrived (a real agent would transcribe it). */
async function hear(turn: Turn, input: AudioInput): Promise<string> {
  const audio = await input.collect({ signal: turn.signal });
  return `echo: heard ${audio.byteLength} bytes of ${input.filetype ?? "unknown"} audio`;
}

/** Starts the echo agent; the dev sidecar and tests run it in-process. */
export function startEchoAgent(options: EchoAgentOptions = {}): EchoAgent {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const client = createAgentClient({ address: options.address });
  let session: Session | undefined;
  let served: ServeHandle | undefined;
  const log = (line: string) => options.log?.(`echo agent: ${line}`);
  let closedWith: Promise<Error | undefined> = Promise.resolve(undefined);
  const ready = (async () => {
    await client.waitForReady({ signal });
    // No attempt limit by default: the session reconnects across any outage.
    session = createSession(client, {
      config: { systemPrompt: "Echoes every message; `count N` counts to N." },
      signal,
    });
    const s = session;
    closedWith = new Promise((resolve) =>
      s.on("state", ({ state, error }) => state === "closed" && resolve(error)),
    );
    reportOutages(session, log);
    served = serve(session, { message: reply, audio: hear });
    await session.ready({ signal });
  })();
  ready.catch(() => {});
  const done = (async () => {
    try {
      await ready;
    } catch (e) {
      if (!signal.aborted) throw e;
      return;
    }
    const error = await closedWith;
    if (error !== undefined && !signal.aborted) throw error;
  })();
  done.catch(() => {});
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      stop.abort();
      await ready.catch(() => {});
      await served?.close();
      await session?.close();
      client.close();
    })();
    return closed;
  };
  signal.addEventListener("abort", () => void close(), { once: true });
  return { ready, done, close };
}

async function main(): Promise<void> {
  const address = process.env.GRPC_SERVER_ADDR ?? "localhost:9090";
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  console.log(`echo agent: waiting for the sidecar at ${address}`);
  const agent = startEchoAgent({ address, signal: stop.signal, log: console.log });
  const stopped = new Promise((resolve) =>
    stop.signal.addEventListener("abort", resolve, { once: true }),
  );
  try {
    await Promise.race([stopped, agent.done]);
  } catch (e) {
    // Not retryable (the session already retried everything that is): say why and exit 1.
    console.error(
      `echo agent: giving up on the sidecar at ${address}: ${e instanceof Error ? e.message : String(e)}`,
    );
    process.exitCode = 1;
  }
  await agent.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
