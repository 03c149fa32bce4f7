import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  type AgentClient,
  type AgentClientOptions,
  createAgentClient,
} from "../client/agent-client.js";
import type { SidecarConnection } from "../client/transport.js";
import {
  type AgentConfig,
  AgentMessaging,
  type AgentResponse,
  type AudioStreamConfigSchema,
  type ConversationRequest,
  type MessageReactionSchema,
  type PlatformFeedbackSchema,
} from "../schema/index.js";
import { createMessagingService } from "../sidecar-core/messaging-service.js";
import { checkCount } from "../sidecar-core/option-checks.js";
import { FakeDrivers } from "./fake-drivers.js";
import { FakeSidecarError } from "./fake-errors.js";
import { FakeLedger } from "./fake-ledger.js";
import { type FakeListener, listenFakeSidecar } from "./fake-listener.js";
import {
  type FakeSidecarOptions,
  type ListenOptions,
  type ResolvedFakeSidecarOptions,
  resolveFakeSidecarOptions,
} from "./fake-options.js";
import type {
  AgentResponseFrameInit,
  FakeAudioSend,
  FakeSidecar,
  FeedbackTarget,
  MessageInit,
  RenderableAnswer,
  SendAudioOptions,
  SendMessageOptions,
  WaitForAgentOptions,
  WaitUntilOptions,
} from "./fake-sidecar-types.js";
import type { FakeTurn } from "./fake-turn.js";
import { FakeWaits } from "./fake-waits.js";
import { createInMemoryConnection } from "./in-memory-connection.js";
import type { WaitOptions } from "./waiters.js";

/**
 * Creates a fake sidecar for unit tests of an agent. By default it lives in
 * memory (real gRPC framing, no socket); `listen()` adds a real port for
 * agents that connect to `GRPC_SERVER_ADDR`.
 *
 * @example
 * ```ts
 * import { ContentChunk_ChunkType as Chunk } from "agentwire/schema";
 * import { createAgentClient, createSession } from "agentwire";
 * import { createFakeSidecar } from "agentwire/testing";
 * import { expect, it } from "vitest";
 *
 * it("answers in a START, DELTA, END turn", async () => {
 *   const fake = createFakeSidecar();
 *   const client = createAgentClient({ connection: fake.connection });
 *   const session = createSession(client, { config: { systemPrompt: "echo" } });
 *   session.on("message", (message, frame) => {
 *     const reply = (type: Chunk, content = "") =>
 *       session.respond({
 *         conversationId: frame.conversationId,
 *         responseId: frame.responseId,
 *         payload: { case: "content", value: { type, content } },
 *       });
 *     void reply(Chunk.START);
 *     void reply(Chunk.DELTA, `echo: ${message.content}`);
 *     void reply(Chunk.END);
 *   });
 *   await fake.waitForAgent();
 *
 *   const turn = fake.sendMessage("hello");
 *   await turn.ended();
 *   expect(turn.text()).toBe("echo: hello");
 *   expect(turn.kinds()).toEqual(["content:START", "content:DELTA", "content:END"]);
 *
 *   await session.close();
 *   client.close();
 *   await fake.close();
 * });
 * ```
 */
export function createFakeSidecar(options?: FakeSidecarOptions): FakeSidecar {
  return new FakeSidecarImpl(resolveFakeSidecarOptions(options));
}

/**
 * The fake sidecar: it owns the connections, the optional port and closing,
 * and delegates drivers to FakeDrivers and waits to FakeWaits, all over one
 * FakeLedger that the AgentMessaging service fills in.
 */
class FakeSidecarImpl implements FakeSidecar {
  address: string | undefined;
  private readonly ledger: FakeLedger;
  private readonly drivers: FakeDrivers;
  private readonly waits: FakeWaits;
  private readonly routes: (router: ConnectRouter) => void;
  private readonly connections: SidecarConnection[] = [];
  private defaultConnection: SidecarConnection | undefined;
  private listener: FakeListener | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ResolvedFakeSidecarOptions) {
    this.ledger = new FakeLedger(options.platform, options.timeoutMs);
    this.drivers = new FakeDrivers(this.ledger, options);
    this.waits = new FakeWaits(this.ledger, options.timeoutMs);
    const service = createMessagingService({
      link: this.ledger.link,
      history: this.ledger,
      version: options.version,
    });
    this.routes = (router) => router.service(AgentMessaging, service);
  }

  get connection(): SidecarConnection {
    this.defaultConnection ??= this.createConnection();
    return this.defaultConnection;
  }

  get connected(): boolean {
    return this.ledger.link.connected;
  }

  get agentConfig(): AgentConfig | undefined {
    return this.ledger.agentConfig;
  }

  get registrations(): number {
    return this.ledger.link.registrations;
  }

  get openStreams(): number {
    return this.ledger.link.streamCount;
  }

  get received(): readonly ConversationRequest[] {
    return this.ledger.received;
  }

  get frames(): readonly AgentResponse[] {
    return this.ledger.frames;
  }

  get turns(): readonly FakeTurn[] {
    return this.ledger.turns;
  }

  client(options?: Omit<AgentClientOptions, "connection" | "address">): AgentClient {
    return createAgentClient({ ...options, connection: this.createConnection() });
  }

  createConnection(): SidecarConnection {
    const connection = createInMemoryConnection(this.routes, {
      maxFrameBytes: this.options.maxFrameBytes,
    });
    this.connections.push(connection);
    return connection;
  }

  async listen(options: ListenOptions = {}): Promise<string> {
    this.ledger.assertOpen("listen");
    if (this.address !== undefined) return this.address;
    const listener = await listenFakeSidecar(this.routes, {
      host: options.host ?? "127.0.0.1",
      port: checkCount("port", options.port ?? 0, 0, 65535),
      maxFrameBytes: this.options.maxFrameBytes,
    });
    this.listener = listener;
    this.address = listener.address;
    return this.address;
  }

  waitForAgent(options?: WaitForAgentOptions): Promise<AgentConfig> {
    return this.waits.waitForAgent(options);
  }

  sendMessage(message: string | MessageInit, options?: SendMessageOptions): FakeTurn {
    return this.drivers.sendMessage(message, options);
  }

  stop(conversationId: string, reason?: string, target?: FeedbackTarget): void {
    this.drivers.stop(conversationId, reason, target);
  }

  react(
    conversationId: string,
    reaction: MessageInitShape<typeof MessageReactionSchema>,
    target?: FeedbackTarget,
  ): void {
    this.drivers.react(conversationId, reaction, target);
  }

  answerRenderable(conversationId: string, renderableId: string, answer: RenderableAnswer): void {
    this.drivers.answerRenderable(conversationId, renderableId, answer);
  }

  sendFeedback(feedback: MessageInitShape<typeof PlatformFeedbackSchema>): void {
    this.drivers.sendFeedback(feedback);
  }

  sendAudio(
    conversationId: string,
    chunks: readonly Uint8Array[],
    config?: MessageInitShape<typeof AudioStreamConfigSchema>,
    options?: SendAudioOptions,
  ): FakeAudioSend {
    return this.drivers.sendAudio(conversationId, chunks, config, options);
  }

  sendFrame(frame: AgentResponseFrameInit): void {
    this.drivers.sendFrame(frame);
  }

  disconnect(): void {
    this.drivers.disconnect();
  }

  framesOf(conversationId: string): AgentResponse[] {
    return this.ledger.framesOf(conversationId);
  }

  turn(id: string): FakeTurn | undefined {
    return this.ledger.turn(id);
  }

  waitUntil(condition: () => boolean, options?: WaitUntilOptions): Promise<void> {
    return this.waits.waitUntil(condition, options);
  }

  waitForTurnEnd(id: string, options?: WaitOptions): Promise<FakeTurn> {
    return this.waits.waitForTurnEnd(id, options);
  }

  nextFrame(
    predicate?: (frame: AgentResponse) => boolean,
    options?: WaitOptions,
  ): Promise<AgentResponse> {
    return this.waits.nextFrame(predicate, options);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.ledger.close();
    for (const connection of this.connections) connection.close();
    this.ledger.waiters.failAll(new FakeSidecarError("closed", "the fake sidecar was closed"));
    if (this.listener !== undefined) await this.listener.close();
  }
}
