/**
 * Options of the dev sidecar and the one function that resolves their
 * defaults (ports, timeouts, limits) and checks them.
 *
 * @module
 */
import { checkCount, SidecarOptionError } from "../sidecar-core/option-checks.js";
import { checkCorsOrigin } from "./cors.js";
import { isLoopbackAddress } from "./http-util.js";

/** Options of `createDevSidecar`; every field has a default. */
export interface DevSidecarOptions {
  /** gRPC port for agents; 0 picks a free port. Default 9090. */
  readonly grpcPort?: number;
  /** Web chat port; 0 picks a free port. Default 8080. */
  readonly webPort?: number;
  /** Address both servers bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Bind a non-loopback `host` although the protocol has no authentication. Default false. */
  readonly allowRemote?: boolean;
  /** A running turn fails after this many milliseconds without a frame. Default 300000 (5 min). */
  readonly turnIdleTimeoutMs?: number;
  /** A live-audio socket silent this many milliseconds (waiting for `audio.config` too) is closed. Default 10000. */
  readonly audioIdleTimeoutMs?: number;
  /** Most live-audio sockets open at once (one per conversation). Default 16. */
  readonly maxAudioSockets?: number;
  /** Milliseconds between SSE `heartbeat` events. Default 30000. */
  readonly heartbeatIntervalMs?: number;
  /** Largest gRPC frame in either direction, in bytes. Default 4 MiB. */
  readonly maxFrameBytes?: number;
  /** Most events of the current turn kept for `Last-Event-ID` resume. Default 1000. */
  readonly resumeBufferEvents?: number;
  /** For how many milliseconds after a turn ended a new SSE connection without `Last-Event-ID` still gets that turn's events. Default 5000. */
  readonly lateJoinWindowMs?: number;
  /** Most bytes an SSE connection may have unsent before it is dropped (it resumes with `Last-Event-ID`). Default 1 MiB. */
  readonly maxSseBacklogBytes?: number;
  /** Most conversations kept that never had a turn; the oldest beyond it is forgotten. Default 1000. */
  readonly maxIdleConversations?: number;
  /** Most conversations kept in all; beyond it the oldest without a running turn or open stream is forgotten. Default 1000. */
  readonly maxConversations?: number;
  /** Most concurrent HTTP/2 streams per gRPC connection (an agent needs a few). Default 100. */
  readonly maxConcurrentStreams?: number;
  /** Largest JSON request body of the web API, in bytes. Default 1 MiB. */
  readonly maxJsonBodyBytes?: number;
  /** Largest audio upload, in bytes. Default 25 MiB. */
  readonly maxAudioBodyBytes?: number;
  /** Largest file the files API takes, in bytes. Default 10 MiB. */
  readonly maxFileBytes?: number;
  /** Most files the files API keeps. Default 100. */
  readonly maxFiles?: number;
  /** Most bytes the files API keeps over all files. Default 100 MiB. */
  readonly maxFileStoreBytes?: number;
  /**
   * One origin (e.g. `http://localhost:5173`) whose pages may call the web
   * API with CORS; every other origin stays refused. Default none: CORS off.
   */
  readonly corsOrigin?: string;
  /** Version string `HealthCheck` reports. */
  readonly version?: string;
  /** Aborting it closes the sidecar, as `close()` does. */
  readonly signal?: AbortSignal;
  /** Receives one line per notable event (agent registered, stream ended, stopped). */
  readonly onLog?: (line: string) => void;
}

/** {@link DevSidecarOptions} with every default applied. */
export type ResolvedDevSidecarOptions = Required<
  Omit<DevSidecarOptions, "signal" | "onLog" | "corsOrigin">
> &
  Pick<DevSidecarOptions, "signal" | "onLog"> & {
    /** The normalized CORS origin, or undefined when CORS is off. */
    readonly corsOrigin: string | undefined;
  };

/** The version `HealthCheck` reports by default. */
export const DEV_SIDECAR_VERSION = "agentwire-dev-sidecar/0.1.0";

/** Thrown by `createDevSidecar` for an option that cannot work: AgentwireError `invalid_argument` naming it. */
export const DevSidecarOptionError = SidecarOptionError;
/** See {@link DevSidecarOptionError}. */
export type DevSidecarOptionError = SidecarOptionError;

/** Applies defaults and validates; throws {@link SidecarOptionError}. */
export function resolveDevSidecarOptions(options: DevSidecarOptions): ResolvedDevSidecarOptions {
  const host = options.host ?? "127.0.0.1";
  const allowRemote = options.allowRemote ?? false;
  if (!allowRemote && !isLoopbackAddress(host)) {
    throw new SidecarOptionError(
      "host",
      `${host} is reachable from other machines and the protocol has no authentication; set allowRemote to bind it`,
    );
  }
  return {
    grpcPort: checkCount("grpcPort", options.grpcPort ?? 9090, 0, 65535),
    webPort: checkCount("webPort", options.webPort ?? 8080, 0, 65535),
    host,
    allowRemote,
    turnIdleTimeoutMs: checkCount("turnIdleTimeoutMs", options.turnIdleTimeoutMs ?? 300_000, 1),
    audioIdleTimeoutMs: checkCount("audioIdleTimeoutMs", options.audioIdleTimeoutMs ?? 10_000, 1),
    maxAudioSockets: checkCount("maxAudioSockets", options.maxAudioSockets ?? 16, 1),
    heartbeatIntervalMs: checkCount(
      "heartbeatIntervalMs",
      options.heartbeatIntervalMs ?? 30_000,
      1,
    ),
    maxFrameBytes: checkCount("maxFrameBytes", options.maxFrameBytes ?? 4 * 1024 * 1024, 1024),
    resumeBufferEvents: checkCount("resumeBufferEvents", options.resumeBufferEvents ?? 1000, 1),
    lateJoinWindowMs: checkCount("lateJoinWindowMs", options.lateJoinWindowMs ?? 5000, 0),
    maxSseBacklogBytes: checkCount(
      "maxSseBacklogBytes",
      options.maxSseBacklogBytes ?? 1024 * 1024,
      1,
    ),
    maxIdleConversations: checkCount(
      "maxIdleConversations",
      options.maxIdleConversations ?? 1000,
      1,
    ),
    maxConversations: checkCount("maxConversations", options.maxConversations ?? 1000, 1),
    maxConcurrentStreams: checkCount(
      "maxConcurrentStreams",
      options.maxConcurrentStreams ?? 100,
      1,
    ),
    maxJsonBodyBytes: checkCount("maxJsonBodyBytes", options.maxJsonBodyBytes ?? 1024 * 1024, 1),
    maxAudioBodyBytes: checkCount(
      "maxAudioBodyBytes",
      options.maxAudioBodyBytes ?? 25 * 1024 * 1024,
      1,
    ),
    maxFileBytes: checkCount("maxFileBytes", options.maxFileBytes ?? 10 * 1024 * 1024, 1),
    maxFiles: checkCount("maxFiles", options.maxFiles ?? 100, 1),
    maxFileStoreBytes: checkCount(
      "maxFileStoreBytes",
      options.maxFileStoreBytes ?? 100 * 1024 * 1024,
      1,
    ),
    corsOrigin: options.corsOrigin === undefined ? undefined : checkCorsOrigin(options.corsOrigin),
    version: options.version ?? DEV_SIDECAR_VERSION,
    signal: options.signal,
    onLog: options.onLog,
  };
}
