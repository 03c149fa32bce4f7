/**
 * What every bench client shares: wall-clock and CPU measurement of one
 * process, the paced sending loop, garbage collection for heap readings and
 * the command set each client implementation provides.
 */

/** Wall time and CPU time (user + system) of this process over an interval. */
export interface Measured {
  /** Wall-clock milliseconds. */
  ms: number;
  /** CPU microseconds this process used (user + system). */
  cpuUs: number;
}

/** Starts measuring; `stop()` returns the wall time and CPU time since. */
export function startMeasure(): { stop(): Measured } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { ms, cpuUs: cpu.user + cpu.system };
    },
  };
}

/**
 * Calls `send` `ratePerSecond` times a second for `durationMs`, on a 1 ms
 * timer that catches up when a tick was late, so frames go out one or two at
 * a time as an LLM token stream would.
 */
export function pace(ratePerSecond: number, durationMs: number, send: () => void): Promise<number> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const t0 = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * ratePerSecond) / 1000));
      while (sent < due) {
        sent++;
        send();
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve(sent);
      }
    }, 1);
  });
}

/** Runs a full garbage collection a few times (needs `--expose-gc`) and returns heapUsed. */
export async function settledHeapUsed(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the client with --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `op` for about `durationMs` and returns operations per second. */
export function opsPerSecond(
  durationMs: number,
  op: () => number,
): { opsPerSec: number; sink: number } {
  let ops = 0;
  let sink = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 1000; i++) sink += op();
    ops += 1000;
    elapsed = performance.now() - t0;
  }
  return { opsPerSec: (ops * 1000) / elapsed, sink };
}

/** The commands a bench client implementation serves (all take plain JSON arguments). */
export interface BenchClient {
  /** Floods `n` DELTA frames on a fresh stream until the sidecar confirms it got them all. */
  outbound(args: { n: number }): Promise<Measured>;
  /** Receives `n` user messages on a fresh stream. */
  inbound(args: { n: number }): Promise<Measured>;
  /** Answers `n` user messages with one DELTA each (the sidecar times the round trips). */
  rtt(args: { n: number }): Promise<Measured>;
  /** Sends DELTA frames at a fixed rate and reports the CPU it took. */
  paced(args: { ratePerSecond: number; durationMs: number }): Promise<Measured & { sent: number }>;
  /** Encodes the DELTA envelope and decodes the user message in a loop. */
  codec(args: { durationMs: number }): { encodeOpsPerSec: number; decodeOpsPerSec: number };
  /** Opens the shared connection and one warm stream; returns the settled heapUsed. */
  idleBaseline(): Promise<number>;
  /** Opens `n` idle streams on the shared connection and waits until each wrote its config. */
  idleOpen(args: { n: number }): Promise<void>;
  /** The settled heapUsed with the idle streams open. */
  idleMeasure(): Promise<number>;
  /** Closes the idle streams. */
  idleClose(): Promise<void>;
  /** Opens a stream that reconnects by itself. */
  reconnectOpen(): Promise<void>;
  /** Waits until the stream noticed the sidecar is gone, then issues `k` writes. */
  outageWrites(args: { k: number }): Promise<{ noticedMs: number }>;
  /** Closes the reconnecting stream; reports how many outage writes settled how. */
  reconnectClose(): Promise<{ handedOver: number; failed: number }>;
}
