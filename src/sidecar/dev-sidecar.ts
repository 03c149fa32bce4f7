/**
 * `createDevSidecar`: a local development sidecar that agents reach over gRPC
 * (`AgentMessaging`, plaintext HTTP/2) and people reach through a web chat
 * (HTTP/SSE API and a chat page), behaving like a deployed sidecar.
 *
 * @module
 */
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { AgentConfig } from "../schema/index.js";
import { AgentMessaging } from "../schema/index.js";
import { createAgentLink } from "../sidecar-core/agent-link.js";
import { closeServer, listenOn, trackHttp2Sessions, urlOf } from "../sidecar-core/listen.js";
import { createMessagingService } from "../sidecar-core/messaging-service.js";
import { createAudioSockets } from "./audio-socket.js";
import { type Chat, createChat } from "./chat.js";
import { createConversationStore, webHistorySource } from "./conversations.js";
import { createFileStore } from "./file-store.js";
import { isLoopbackAddress } from "./http-util.js";
import { type DevSidecarOptions, resolveDevSidecarOptions } from "./options.js";
import { createSseHub } from "./sse.js";
import { createWebApi } from "./web-api.js";

/** A running dev sidecar. */
export interface DevSidecar {
  /** Base URL agents connect to, e.g. `http://127.0.0.1:9090`. */
  readonly grpcUrl: string;
  /** URL of the chat page and web API, e.g. `http://127.0.0.1:8080`. */
  readonly webUrl: string;
  /** The gRPC port actually bound (useful with port 0). */
  readonly grpcPort: number;
  /** The web port actually bound (useful with port 0). */
  readonly webPort: number;
  /** Whether an agent stream is registered. */
  readonly agentConnected: boolean;
  /** How many web conversations the sidecar holds. */
  readonly conversationCount: number;
  /** The agent's last `agent_config`, if any. */
  readonly agentConfig: AgentConfig | undefined;
  /** Resolves once an agent has registered its stream (at once when one has); rejects when `signal` aborts. */
  whenAgentConnected(signal?: AbortSignal): Promise<void>;
  /** Ends every agent and SSE stream, closes both servers and frees the ports. */
  close(): Promise<void>;
}

/** Starts a dev sidecar on both ports; resolves once both listen. */
export async function createDevSidecar(options: DevSidecarOptions = {}): Promise<DevSidecar> {
  const opts = resolveDevSidecarOptions(options);
  const shutdown = new AbortController();
  let chat: Chat | undefined;
  const hub = createSseHub(opts);
  const store = createConversationStore({
    turnIdleTimeoutMs: opts.turnIdleTimeoutMs,
    onTurnIdle: (conversation, turn) => chat?.handleTurnIdle(conversation, turn),
    maxIdleConversations: opts.maxIdleConversations,
    maxConversations: opts.maxConversations,
    inUse: (id) => hub.hasConnections(id),
    onForget: (id) => hub.forget(id),
  });
  const link = createAgentLink({
    onFrame: (frame) => chat?.handleFrame(frame),
    onActiveGone: () => chat?.handleAgentGone(),
    onLog: opts.onLog,
  });
  chat = createChat({ store, hub, link, turnIdleTimeoutMs: opts.turnIdleTimeoutMs });

  const grpcServer = createHttp2Server(
    { settings: { maxConcurrentStreams: opts.maxConcurrentStreams } },
    connectNodeAdapter({
      routes: (router) =>
        router.service(
          AgentMessaging,
          createMessagingService({
            link,
            history: webHistorySource(store),
            version: opts.version,
          }),
        ),
      readMaxBytes: opts.maxFrameBytes,
      writeMaxBytes: opts.maxFrameBytes,
      shutdownSignal: shutdown.signal,
    }),
  );
  const grpc = trackHttp2Sessions(grpcServer);
  const webServer = createHttpServer(
    createWebApi({
      store,
      hub,
      chat,
      link,
      maxJsonBodyBytes: opts.maxJsonBodyBytes,
      maxAudioBodyBytes: opts.maxAudioBodyBytes,
      files: createFileStore(opts),
      maxFileBytes: opts.maxFileBytes,
      corsOrigin: opts.corsOrigin,
      loopbackOnly: isLoopbackAddress(opts.host),
    }),
  );

  const audioSockets = createAudioSockets({
    store,
    chat,
    link,
    maxAudioBytes: opts.maxAudioBodyBytes,
    audioIdleTimeoutMs: opts.audioIdleTimeoutMs,
    maxAudioSockets: opts.maxAudioSockets,
    corsOrigin: opts.corsOrigin,
    loopbackOnly: isLoopbackAddress(opts.host),
  });
  webServer.on("upgrade", audioSockets.handleUpgrade);

  let grpcPort: number;
  let webPort: number;
  try {
    grpcPort = await listenOn(grpcServer, opts.grpcPort, opts.host, "grpcPort");
    webPort = await listenOn(webServer, opts.webPort, opts.host, "webPort");
  } catch (err) {
    await Promise.all([closeServer(grpcServer), closeServer(webServer)]);
    throw err;
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    shutdown.abort();
    audioSockets.close();
    link.close();
    hub.close();
    store.close();
    const web = closeServer(webServer);
    webServer.closeAllConnections();
    await Promise.all([web, grpc.close()]);
    opts.onLog?.("sidecar stopped");
  }

  const sidecar: DevSidecar = {
    grpcUrl: urlOf(opts.host, grpcPort),
    webUrl: urlOf(opts.host, webPort),
    grpcPort,
    webPort,
    get agentConnected() {
      return link.connected;
    },
    get agentConfig() {
      return link.config;
    },
    get conversationCount() {
      return store.size;
    },
    whenAgentConnected: (signal) => link.whenConnected(signal),
    close() {
      closing ??= close();
      return closing;
    },
  };
  opts.signal?.addEventListener("abort", () => void sidecar.close(), { once: true });
  return sidecar;
}
