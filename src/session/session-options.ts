import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Code } from "@connectrpc/connect";
import { assertArgument } from "../client/errors.js";
import { defaultRetryableCodes } from "../client/retry.js";
import type { AgentConfig, AgentConfigSchema } from "../schema/index.js";

/** An AgentConfig, or the fields to create one from. */
export type AgentConfigInit = AgentConfig | MessageInitShape<typeof AgentConfigSchema>;

/**
 * Where the session gets the AgentConfig it sends first on every stream: a
 * value, or a function that is called again on every connect (so a reconnect
 * sends the config as it is then).
 */
export type AgentConfigSource =
  | AgentConfigInit
  | ((signal: AbortSignal) => AgentConfigInit | Promise<AgentConfigInit>);

/** Options of `createSession`. */
export interface SessionOptions {
  /** The AgentConfig sent as the first frame of every stream, or a function that provides it. */
  config: AgentConfigSource;
  /** Closes the session (abandoning queued writes) when it aborts. */
  signal?: AbortSignal;
  /**
   * The upper bound of the first reconnect delay, in milliseconds (default 50).
   * The sidecar runs beside the agent and a refused connection costs
   * microseconds, so delays stay short to reconnect promptly after a restart.
   */
  initialDelayMs?: number;
  /**
   * The largest reconnect delay, in milliseconds (default 2000). With full
   * jitter a long outage costs one refused connect per second on average, and
   * the agent is back within two seconds of the sidecar.
   */
  maxDelayMs?: number;
  /**
   * Consecutive failed streams after which the session gives up with reason
   * "gave_up" (default Infinity: a deployed agent outlives any sidecar outage).
   */
  maxAttempts?: number;
  /** The gRPC codes after which the stream is re-opened (default: see `defaultRetryableCodes`). */
  retryableCodes?: readonly Code[];
  /** A stream open this long, or one that delivered a frame, resets the attempt count (default 5000 ms). */
  healthyAfterMs?: number;
  /** The most frames the write queue holds while the stream is not writable (default 1024). */
  maxBufferFrames?: number;
  /** The most payload bytes the write queue holds (default 8 MiB). */
  maxBufferBytes?: number;
  /** The most bytes handed to the transport in one write when frames pile up (default 256 KiB). */
  maxBatchBytes?: number;
  /** Sends the legacy "agent-registration" Message after the config, for old sidecars (default false). */
  legacyRegistration?: boolean;
  /** How long `close()` waits for queued frames to drain and the sidecar to end the stream (default 5000 ms). */
  drainTimeoutMs?: number;
}

/** SessionOptions with every default filled in. */
export type ResolvedSessionOptions = Required<Omit<SessionOptions, "signal">> & {
  signal: AbortSignal | undefined;
};

/**
 * Fills in the defaults of SessionOptions, the only place they are decided,
 * and checks every value: a bad one throws an AgentwireError of reason
 * "invalid_argument" that names the option.
 */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  assertArgument(
    options.config !== undefined && options.config !== null,
    "createSession: the config option is required (an AgentConfig or a function returning one)",
  );
  const resolved: ResolvedSessionOptions = {
    config: options.config,
    signal: options.signal,
    initialDelayMs: options.initialDelayMs ?? 50,
    maxDelayMs: options.maxDelayMs ?? 2000,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    retryableCodes: options.retryableCodes ?? defaultRetryableCodes,
    healthyAfterMs: options.healthyAfterMs ?? 5000,
    maxBufferFrames: options.maxBufferFrames ?? 1024,
    maxBufferBytes: options.maxBufferBytes ?? 8 * 1024 * 1024,
    maxBatchBytes: options.maxBatchBytes ?? 256 * 1024,
    legacyRegistration: options.legacyRegistration ?? false,
    drainTimeoutMs: options.drainTimeoutMs ?? 5000,
  };
  const { initialDelayMs, maxDelayMs } = resolved;
  for (const name of [
    "initialDelayMs",
    "maxDelayMs",
    "healthyAfterMs",
    "drainTimeoutMs",
  ] as const) {
    assertNumber(name, resolved[name], 0);
  }
  for (const name of [
    "maxAttempts",
    "maxBufferFrames",
    "maxBufferBytes",
    "maxBatchBytes",
  ] as const) {
    assertNumber(name, resolved[name], 1);
  }
  assertArgument(
    maxDelayMs >= initialDelayMs,
    `createSession: maxDelayMs (${maxDelayMs}) must not be below initialDelayMs (${initialDelayMs})`,
  );
  return resolved;
}

function assertNumber(name: string, value: number, min: number): void {
  assertArgument(
    typeof value === "number" && !Number.isNaN(value) && value >= min,
    `createSession: ${name} must be a number of at least ${min}, got ${String(value)}`,
  );
}
