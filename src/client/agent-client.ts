import type { MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions as ConnectCallOptions, createClient } from "@connectrpc/connect";
import {
  AgentMessaging,
  type AgentResponse,
  type AudioStreamRequestSchema,
  type ConversationMetadataRequestSchema,
  type ConversationMetadataResponse,
  type HealthCheckResponse,
  type MessageSchema,
  type ThreadHistoryRequestSchema,
  type ThreadHistoryResponse,
} from "../schema/index.js";
import { resolveSidecarUrl } from "./address.js";
import { AgentwireError, assertArgument } from "./errors.js";
import { createSidecarConnection, type SidecarConnection } from "./transport.js";
import { type WaitForReadyOptions, waitForReady } from "./wait-for-ready.js";

/** The sidecar's frame limit in each direction: 4 MiB. */
export const defaultMaxFrameBytes = 4 * 1024 * 1024;

/** The shortest keepalive ping interval a deployed sidecar tolerates: 5 minutes. */
const minPingIntervalMs = 5 * 60 * 1000;

/** Options of `createAgentClient`. */
export interface AgentClientOptions {
  /** `host:port` or `http://host:port`; defaults to `GRPC_SERVER_ADDR`, then `localhost:9090`. */
  address?: string;
  /** Deadline of unary calls that pass no `timeoutMs`, in milliseconds (default 10000). */
  timeoutMs?: number;
  /** The largest frame sent or accepted, in bytes (default 4 MiB, the sidecar's limit). */
  maxFrameBytes?: number;
  /** HTTP/2 keepalive ping interval in milliseconds; none by default (sidecars reject pings under 5 minutes). */
  pingIntervalMs?: number;
  /**
   * A connection to use instead of opening one (e.g. the testing kit's
   * in-memory sidecar); `address`, `maxFrameBytes` and `pingIntervalMs` are then ignored.
   */
  connection?: SidecarConnection;
}

/** AgentClientOptions with every default filled in: what the client uses. */
export interface ResolvedAgentClientOptions {
  /** The sidecar's base URL: the connection's when one is given, else the one `address` names. */
  baseUrl: string;
  /** Deadline of unary calls that pass no `timeoutMs`, in milliseconds. */
  timeoutMs: number;
  /** The largest frame sent or accepted, in bytes: the connection's when one is given. */
  maxFrameBytes: number;
  /** HTTP/2 keepalive ping interval in milliseconds, or undefined for none. */
  pingIntervalMs: number | undefined;
  /** The connection to use instead of opening one, if any. */
  connection: SidecarConnection | undefined;
}

/**
 * Fills in the defaults of AgentClientOptions, the only place they are
 * decided, and checks every value: a bad one throws an AgentwireError of
 * reason "invalid_argument" that names the option. Values a `connection`
 * makes moot are checked too (a bad one is a bug either way); `address` is
 * read only when there is no connection.
 */
export function resolveAgentClientOptions(
  options: AgentClientOptions = {},
): ResolvedAgentClientOptions {
  const timeoutMs = options.timeoutMs ?? 10_000;
  assertArgument(
    Number.isFinite(timeoutMs) && timeoutMs >= 0,
    `createAgentClient: timeoutMs must be a finite number of at least 0, got ${timeoutMs}`,
  );
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  assertArgument(
    Number.isInteger(maxFrameBytes) && maxFrameBytes >= 1024 && maxFrameBytes <= 2 ** 31 - 1,
    `createAgentClient: maxFrameBytes must be a whole number from 1024 to 2^31-1, got ${maxFrameBytes}`,
  );
  const { pingIntervalMs, connection } = options;
  assertArgument(
    pingIntervalMs === undefined || pingIntervalMs >= minPingIntervalMs,
    `createAgentClient: pingIntervalMs must be at least ${minPingIntervalMs} (5 minutes): a sidecar closes connections that ping more often (too_many_pings), got ${pingIntervalMs}`,
  );
  return {
    baseUrl: connection?.baseUrl ?? resolveSidecarUrl(options.address),
    timeoutMs,
    maxFrameBytes: connection?.maxFrameBytes ?? maxFrameBytes,
    pingIntervalMs,
    connection,
  };
}

/** Per-call options of every client method. */
export interface CallOptions {
  /** Aborts the call; it then rejects with reason "aborted". */
  signal?: AbortSignal;
  /** Deadline of the call in milliseconds; 0 means none. */
  timeoutMs?: number;
}

/** A typed client of one sidecar: the unary and streaming RPCs besides the conversation stream. */
export interface AgentClient {
  /** The sidecar's base URL. */
  readonly baseUrl: string;
  /** The HTTP/2 connection shared with sessions created from this client. */
  readonly connection: SidecarConnection;
  /** Asks whether the sidecar is serving (agent connectivity is not part of the answer). */
  healthCheck(options?: CallOptions): Promise<HealthCheckResponse>;
  /** Reads the newest messages of a conversation; `maxMessages` 0 means 50 and must not be negative. */
  getThreadHistory(
    request: MessageInitShape<typeof ThreadHistoryRequestSchema>,
    options?: CallOptions,
  ): Promise<ThreadHistoryResponse>;
  /** Looks a conversation up by id or by platform coordinates. */
  getConversationMetadata(
    request: MessageInitShape<typeof ConversationMetadataRequestSchema>,
    options?: CallOptions,
  ): Promise<ConversationMetadataResponse>;
  /** Sends one message and streams the sidecar's responses (deployed sidecars send none). */
  processMessage(
    message: MessageInitShape<typeof MessageSchema>,
    options?: CallOptions,
  ): AsyncIterable<AgentResponse>;
  /** Streams audio to the sidecar and streams its responses (deployed sidecars answer UNIMPLEMENTED). */
  processAudioStream(
    requests: AsyncIterable<MessageInitShape<typeof AudioStreamRequestSchema>>,
    options?: CallOptions,
  ): AsyncIterable<AgentResponse>;
  /** Polls HealthCheck with backoff until the sidecar answers. */
  waitForReady(options?: WaitForReadyOptions): Promise<HealthCheckResponse>;
  /** Closes the HTTP/2 connection; later calls open a new one. */
  close(): void;
}

/** Creates a client of the sidecar at `options.address` over plaintext HTTP/2 gRPC. */
export function createAgentClient(options: AgentClientOptions = {}): AgentClient {
  const resolved = resolveAgentClientOptions(options);
  const defaultTimeoutMs = resolved.timeoutMs;
  const connection =
    resolved.connection ??
    createSidecarConnection({
      baseUrl: resolved.baseUrl,
      maxFrameBytes: resolved.maxFrameBytes,
      pingIntervalMs: resolved.pingIntervalMs,
    });
  const baseUrl = connection.baseUrl;
  const rpc = createClient(AgentMessaging, connection.transport);
  const unary = (o?: CallOptions): ConnectCallOptions => ({
    signal: o?.signal,
    timeoutMs: o?.timeoutMs ?? defaultTimeoutMs,
  });
  const streaming = (o?: CallOptions): ConnectCallOptions => ({
    signal: o?.signal,
    timeoutMs: o?.timeoutMs,
  });
  const client: AgentClient = {
    baseUrl,
    connection,
    healthCheck: (o) => boundary(rpc.healthCheck({}, unary(o))),
    getThreadHistory(request, o) {
      const max = request.maxMessages ?? 0;
      assertArgument(
        Number.isInteger(max) && max >= 0 && max <= 2 ** 31 - 1,
        `getThreadHistory: maxMessages must be a whole number from 0 to 2^31-1, got ${max}`,
      );
      return boundary(rpc.getThreadHistory(request, unary(o)));
    },
    getConversationMetadata: (request, o) =>
      boundary(rpc.getConversationMetadata(request, unary(o))),
    processMessage: (message, o) => boundaryStream(rpc.processMessage(message, streaming(o))),
    processAudioStream: (requests, o) =>
      boundaryStream(rpc.processAudioStream(requests, streaming(o))),
    waitForReady: (o) => waitForReady((call) => client.healthCheck(call), o),
    close: () => connection.close(),
  };
  return client;
}

async function boundary<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw AgentwireError.convert(e);
  }
}

async function* boundaryStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    throw AgentwireError.convert(e);
  }
}
