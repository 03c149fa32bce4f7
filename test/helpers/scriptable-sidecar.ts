import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AgentMessaging,
  type AgentResponse,
  AgentResponseSchema,
  type ConversationRequest,
  HealthCheckResponse_Status,
} from "agentwire/schema";
import { deferred, Inbox, until } from "./step.js";

/** One ProcessConversation stream as the scripted sidecar sees it. */
export class ScriptedStream {
  /** Frames the agent wrote, in order. */
  readonly received = new Inbox<ConversationRequest>();
  /** Resolves when the agent half-closed or the stream ended. */
  readonly ended = deferred<"half-closed" | "aborted">();
  private readonly outbox = new Inbox<AgentResponse | { end: true } | { fail: ConnectError }>();
  private closed = false;
  /** When true, the sidecar keeps its side open after the agent half-closes (until `end`/`fail` or cancel). */
  holdOpen = false;

  constructor(
    readonly index: number,
    readonly ctx: HandlerContext,
  ) {}

  /** Sends a frame to the agent. */
  send(frame: MessageInitShape<typeof AgentResponseSchema>): void {
    this.outbox.push(create(AgentResponseSchema, frame));
  }

  /** Ends the stream with status OK. */
  end(): void {
    this.outbox.push({ end: true });
  }

  /** Ends the stream with an error status. */
  fail(code: Code, message = "scripted failure"): void {
    this.outbox.push({ fail: new ConnectError(message, code) });
  }

  /** @internal the response side, consumed by the handler. */
  async *responses(): AsyncGenerator<AgentResponse> {
    while (!this.closed || this.holdOpen) {
      const cancelled = new Promise<{ end: true }>((resolve) => {
        if (this.ctx.signal.aborted) resolve({ end: true });
        this.ctx.signal.addEventListener("abort", () => resolve({ end: true }), { once: true });
      });
      const item = await Promise.race([
        this.outbox.next("a scripted response", 600_000),
        cancelled,
        ...(this.holdOpen ? [] : [this.ended.promise.then(() => ({ end: true }) as const)]),
      ]);
      if ("end" in item) return;
      if ("fail" in item) throw item.fail;
      yield item;
    }
  }

  /** @internal pumps the request side. */
  async pump(requests: AsyncIterable<ConversationRequest>): Promise<void> {
    try {
      for await (const r of requests) this.received.push(r);
      this.ended.resolve("half-closed");
    } catch {
      this.ended.resolve("aborted");
    } finally {
      this.closed = true;
    }
  }
}

/** Options of `startScriptableSidecar`. */
export interface ScriptableSidecarOptions {
  /** Listen on this port (0: any free port). */
  port?: number;
}

/**
 * A connect-node gRPC server on 127.0.0.1 playing the sidecar: every
 * ProcessConversation stream is handed to the test to script; HealthCheck
 * answers HEALTHY. `close()` fails when a stream or connection leaked.
 */
export interface ScriptableSidecar {
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** Streams as they open. */
  readonly streams: Inbox<ScriptedStream>;
  /** Streams currently open. */
  openStreams(): number;
  /** Stops listening and destroys every connection at once (a graceful restart). */
  kill(): Promise<void>;
  /** Stops listening and resets every TCP connection (what a crashed process looks like). */
  crash(): Promise<void>;
  /** Listens again on the same port after `kill`. */
  restart(): Promise<void>;
  /**
   * Waits for every stream and connection to be closed by the client, then
   * stops; fails naming what leaked when they are not closed within `graceMs`.
   */
  close(graceMs?: number): Promise<void>;
}

/** Starts a scriptable sidecar; see ScriptableSidecar. */
export async function startScriptableSidecar(
  options: ScriptableSidecarOptions = {},
): Promise<ScriptableSidecar> {
  const streams = new Inbox<ScriptedStream>();
  let count = 0;
  let open = 0;
  const routes = (router: ConnectRouter) =>
    router.service(AgentMessaging, {
      processConversation(requests, ctx) {
        const stream = new ScriptedStream(count++, ctx);
        open++;
        void stream.pump(requests);
        void stream.ended.promise.finally(() => open--);
        streams.push(stream);
        return stream.responses();
      },
      healthCheck: () => ({ status: HealthCheckResponse_Status.HEALTHY, version: "scripted" }),
      getThreadHistory: (req) => ({ conversationId: req.conversationId, isComplete: true }),
      getConversationMetadata: (req) => ({
        conversationId: req.identifier.case === "conversationId" ? req.identifier.value : "",
        found: false,
      }),
      async *processMessage() {},
      processAudioStream() {
        throw new ConnectError("not implemented", Code.Unimplemented);
      },
    });
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  let server: http2.Http2Server;
  let port = options.port ?? 0;
  const listen = async () => {
    server = http2.createServer(connectNodeAdapter({ routes }));
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    server.on("session", (s) => {
      sessions.add(s);
      s.on("close", () => sessions.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    get address() {
      return `127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    streams,
    openStreams: () => open,
    async kill() {
      const closed = stop();
      for (const s of sessions) s.destroy();
      await closed;
    },
    async crash() {
      const closed = stop();
      for (const socket of sockets) socket.resetAndDestroy();
      await closed;
    },
    restart: listen,
    async close(graceMs = 3000) {
      try {
        await until(
          () => open === 0,
          "every conversation stream to be closed by the client",
          graceMs,
        );
        await until(() => sessions.size === 0, "the client to close its connection", graceMs);
      } finally {
        const closed = stop();
        for (const s of sessions) s.destroy();
        await closed;
      }
    },
  };
}
