import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
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
  AgentResponseSchema,
  AudioEncoding,
  type AudioStreamConfigSchema,
  ContentChunk_ChunkType,
  type ConversationRequest,
  HealthCheckResponse_Status,
  type Message,
  type MessageReactionSchema,
  MessageSchema,
  PlatformContext_EventKind,
  PlatformContextSchema,
  PlatformFeedbackSchema,
  StreamControl_Action,
  type ThreadHistoryRequest,
  UserSchema,
} from "../schema/index.js";
import { FakeSidecarError } from "./fake-errors.js";
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
import { FakeAgentStream } from "./fake-stream.js";
import { type FakeTurn, FakeTurnRecord, frameKind } from "./fake-turn.js";
import { createInMemoryConnection } from "./in-memory-connection.js";
import { Waiters, type WaitOptions } from "./waiters.js";

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

class FakeSidecarImpl implements FakeSidecar {
  registrations = 0;
  agentConfig: AgentConfig | undefined;
  address: string | undefined;
  readonly received: ConversationRequest[] = [];
  readonly frames: AgentResponse[] = [];
  readonly turns: FakeTurnRecord[] = [];
  private readonly waiters = new Waiters();
  private readonly streams = new Set<FakeAgentStream>();
  private readonly turnsById = new Map<string, FakeTurnRecord>();
  private readonly messages = new Map<string, Message[]>();
  private readonly connections: SidecarConnection[] = [];
  private defaultConnection: SidecarConnection | undefined;
  private active: FakeAgentStream | undefined;
  private streamCount = 0;
  private conversationCount = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private server: http2.Http2Server | undefined;
  private readonly serverSessions = new Set<http2.ServerHttp2Session>();

  constructor(private readonly options: ResolvedFakeSidecarOptions) {}

  get connection(): SidecarConnection {
    this.defaultConnection ??= this.createConnection();
    return this.defaultConnection;
  }

  get connected(): boolean {
    return this.active !== undefined;
  }

  get openStreams(): number {
    return this.streams.size;
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
    this.assertOpen("listen");
    if (this.address !== undefined) return this.address;
    const host = options.host ?? "127.0.0.1";
    const server = http2.createServer(
      connectNodeAdapter({
        routes: this.routes,
        grpc: true,
        grpcWeb: false,
        connect: false,
        readMaxBytes: this.options.maxFrameBytes,
        writeMaxBytes: this.options.maxFrameBytes,
      }),
    );
    server.on("session", (s) => {
      this.serverSessions.add(s);
      s.on("close", () => this.serverSessions.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.address = `${host}:${(server.address() as AddressInfo).port}`;
    return this.address;
  }

  waitForAgent(options?: WaitForAgentOptions): Promise<AgentConfig> {
    const min = options?.minRegistrations ?? 1;
    return this.waiters.wait({
      what: `an agent to open a conversation stream and register with an agent_config (registration #${min})`,
      timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
      signal: options?.signal,
      probe: () => {
        this.assertOpen("waitForAgent");
        return this.active !== undefined && this.registrations >= min
          ? this.agentConfig
          : undefined;
      },
      detail: () =>
        `${this.streams.size} stream(s) open, ${this.registrations} registration(s) so far`,
    });
  }

  sendMessage(message: string | MessageInit, options: SendMessageOptions = {}): FakeTurn {
    const stream = this.requireAgent("sendMessage");
    const built = clone(
      MessageSchema,
      create(MessageSchema, typeof message === "string" ? { content: message } : message),
    );
    built.id ||= crypto.randomUUID();
    built.conversationId =
      options.conversationId ??
      (built.conversationId || `conversation-${++this.conversationCount}`);
    built.platform ||= this.options.platform;
    built.timestamp ??= timestampNow();
    built.user ??= create(UserSchema, this.options.user);
    built.platformContext ??= create(PlatformContextSchema, {
      messageId: built.id,
      channelId: built.conversationId,
      eventKind: PlatformContext_EventKind.DM,
    });
    const { id, conversationId } = built;
    const turn = new FakeTurnRecord(built, stream.id, this.waiters, this.options.timeoutMs);
    this.turns.push(turn);
    this.turnsById.set(id, turn);
    const history = this.messages.get(conversationId) ?? [];
    history.push(built);
    this.messages.set(conversationId, history);
    stream.send(
      create(AgentResponseSchema, {
        conversationId,
        responseId: id,
        payload: { case: "incomingMessage", value: built },
      }),
    );
    return turn;
  }

  stop(conversationId: string, reason = "", target?: FeedbackTarget): void {
    const responseId = target?.responseId ?? this.latestTurn(conversationId)?.responseId ?? "";
    const turn = this.turnsById.get(responseId);
    this.sendFeedback({
      conversationId,
      responseId,
      feedback: { case: "streamControl", value: { action: StreamControl_Action.STOP, reason } },
    });
    if (turn !== undefined) turn.stopped = true;
  }

  react(
    conversationId: string,
    reaction: MessageInitShape<typeof MessageReactionSchema>,
    target?: FeedbackTarget,
  ): void {
    const responseId = target?.responseId ?? this.latestTurn(conversationId)?.responseId ?? "";
    this.sendFeedback({
      conversationId,
      responseId,
      feedback: { case: "reaction", value: { added: true, ...reaction } },
    });
  }

  answerRenderable(conversationId: string, renderableId: string, answer: RenderableAnswer): void {
    const asked = this.framesOf(conversationId).find(
      (f) => f.payload.case === "renderable" && f.payload.value.id === renderableId,
    );
    const responseId =
      answer.responseId ?? asked?.responseId ?? this.latestTurn(conversationId)?.responseId ?? "";
    this.sendFeedback({
      conversationId,
      responseId,
      feedback: {
        case: "renderableResponse",
        value: {
          id: renderableId,
          action: answer.action,
          contentJson: answer.contentJson ?? "",
          text: answer.text ?? "",
        },
      },
    });
  }

  sendFeedback(feedback: MessageInitShape<typeof PlatformFeedbackSchema>): void {
    const stream = this.requireAgent("sendFeedback");
    const value = clone(PlatformFeedbackSchema, create(PlatformFeedbackSchema, feedback));
    value.timestamp ??= timestampNow();
    value.user ??= create(UserSchema, this.options.user);
    stream.send(
      create(AgentResponseSchema, {
        conversationId: value.conversationId,
        responseId: value.responseId,
        payload: { case: "feedback", value },
      }),
    );
  }

  sendAudio(
    conversationId: string,
    chunks: readonly Uint8Array[],
    config: MessageInitShape<typeof AudioStreamConfigSchema> = {},
    options: SendAudioOptions = {},
  ): FakeAudioSend {
    const stream = this.requireAgent("sendAudio");
    const placeholder = options.placeholder
      ? this.sendMessage("[audio]", { conversationId })
      : undefined;
    const responseId = options.responseId ?? crypto.randomUUID();
    const frame = (payload: AgentResponseFrameInit["payload"]) =>
      stream.send(create(AgentResponseSchema, { conversationId, responseId, payload }));
    frame({
      case: "audioConfig",
      value: {
        encoding: AudioEncoding.WEBM_OPUS,
        sampleRate: 48_000,
        channels: 1,
        source: this.options.platform,
        ...config,
        conversationId,
      },
    });
    const doneOnLast = options.doneOnLastChunk === true && chunks.length > 0;
    chunks.forEach((data, i) => {
      const done = doneOnLast && i === chunks.length - 1;
      frame({ case: "audioChunk", value: { data, sequence: BigInt(i + 1), done } });
    });
    if (!doneOnLast) {
      frame({ case: "audioChunk", value: { sequence: BigInt(chunks.length + 1), done: true } });
    }
    return { conversationId, responseId, placeholder };
  }

  sendFrame(frame: AgentResponseFrameInit): void {
    this.requireAgent("sendFrame").send(create(AgentResponseSchema, frame));
  }

  disconnect(): void {
    for (const stream of this.streams) {
      stream.fail(
        new ConnectError("the fake sidecar dropped the agent's stream", Code.Unavailable),
      );
    }
  }

  framesOf(conversationId: string): AgentResponse[] {
    return this.frames.filter((f) => f.conversationId === conversationId);
  }

  turn(id: string): FakeTurn | undefined {
    return this.turnsById.get(id) ?? this.latestTurn(id);
  }

  waitUntil(condition: () => boolean, options?: WaitUntilOptions): Promise<void> {
    return this.waiters
      .wait({
        what: options?.what ?? "a condition",
        timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
        signal: options?.signal,
        probe: () => {
          this.assertOpen("waitUntil");
          return condition() ? true : undefined;
        },
        pollMs: 10,
      })
      .then(() => undefined);
  }

  waitForTurnEnd(id: string, options?: WaitOptions): Promise<FakeTurn> {
    const turn = this.turn(id);
    if (turn === undefined) {
      return Promise.reject(
        new FakeSidecarError(
          "unknown_turn",
          `waitForTurnEnd: no turn has response id or conversation id "${id}"`,
        ),
      );
    }
    return turn.ended(options);
  }

  nextFrame(
    predicate: (frame: AgentResponse) => boolean = () => true,
    options?: WaitOptions,
  ): Promise<AgentResponse> {
    let seen = this.frames.length;
    return this.waiters.wait({
      what: "a reply frame matching the predicate",
      timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
      signal: options?.signal,
      probe: () => {
        this.assertOpen("nextFrame");
        for (; seen < this.frames.length; seen++) {
          const frame = this.frames[seen] as AgentResponse;
          if (predicate(frame)) return frame;
        }
        return undefined;
      },
      detail: () => `${this.frames.length} frame(s) received in all`,
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const stream of this.streams) {
      stream.fail(new ConnectError("the fake sidecar closed", Code.Unavailable));
    }
    for (const connection of this.connections) connection.close();
    this.waiters.failAll(new FakeSidecarError("closed", "the fake sidecar was closed"));
    const server = this.server;
    if (server === undefined) return;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.serverSessions) s.close();
    const force = setTimeout(() => {
      for (const s of this.serverSessions) s.destroy();
    }, 1000);
    await stopped;
    clearTimeout(force);
  }

  private latestTurn(conversationId: string): FakeTurnRecord | undefined {
    for (let i = this.turns.length - 1; i >= 0; i--) {
      const t = this.turns[i] as FakeTurnRecord;
      if (t.conversationId === conversationId) return t;
    }
    return undefined;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new FakeSidecarError("closed", `${what}: the fake sidecar is closed`);
  }

  private requireAgent(what: string): FakeAgentStream {
    this.assertOpen(what);
    if (this.active === undefined) {
      throw new FakeSidecarError(
        "no_agent",
        `${what}: no agent is connected (a real sidecar would drop this); await fake.waitForAgent() first`,
      );
    }
    return this.active;
  }

  // The AgentMessaging service.

  private readonly routes = (router: ConnectRouter): void => {
    router.service(AgentMessaging, {
      processConversation: (requests, ctx) => this.openStream(requests, ctx),
      healthCheck: () => ({
        status: HealthCheckResponse_Status.HEALTHY,
        version: this.options.version,
      }),
      getThreadHistory: (request) => this.history(request),
      getConversationMetadata: (request) => {
        const id = request.identifier;
        const conversationId =
          id.case === "conversationId"
            ? id.value
            : ([...this.messages.keys()].find((c) => c === id.value?.channelId) ?? "");
        const messages = this.messages.get(conversationId) ?? [];
        const last = messages[messages.length - 1];
        return {
          conversationId,
          found: messages.length > 0,
          platform: messages.length > 0 ? this.options.platform : "",
          channelId: messages.length > 0 ? conversationId : "",
          messageCount: messages.length,
          lastMessageTime: last?.timestamp,
        };
      },
      async *processMessage() {},
      processAudioStream() {
        throw new ConnectError("ProcessAudioStream is not implemented", Code.Unimplemented);
      },
    });
  };

  private history(request: ThreadHistoryRequest) {
    if (request.maxMessages < 0) {
      throw new ConnectError(
        `max_messages must not be negative, got ${request.maxMessages}`,
        Code.InvalidArgument,
      );
    }
    const max = request.maxMessages === 0 ? 50 : request.maxMessages;
    const messages = (this.messages.get(request.conversationId) ?? []).slice(-max);
    return {
      conversationId: request.conversationId,
      isComplete: true,
      fetchedAt: timestampNow(),
      messages: messages.map((m) => ({
        messageId: m.id,
        user: m.user,
        content: m.content,
        attachments: m.attachments,
        timestamp: m.timestamp,
      })),
    };
  }

  private openStream(
    requests: AsyncIterable<ConversationRequest>,
    ctx: HandlerContext,
  ): AsyncIterable<AgentResponse> {
    if (this.closed) throw new ConnectError("the fake sidecar is closed", Code.Unavailable);
    const stream = new FakeAgentStream(++this.streamCount);
    this.streams.add(stream);
    const onAbort = () => stream.end();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    void this.pump(stream, requests);
    const responses = stream.responses();
    const ended = () => {
      ctx.signal.removeEventListener("abort", onAbort);
      this.streamEnded(stream);
    };
    return (async function* () {
      try {
        yield* responses;
      } finally {
        ended();
      }
    })();
  }

  private async pump(
    stream: FakeAgentStream,
    requests: AsyncIterable<ConversationRequest>,
  ): Promise<void> {
    try {
      for await (const request of requests) this.onRequest(stream, request);
      // A deployed sidecar reads the agent's half-close as an EOF error and ends the stream.
      stream.fail(new ConnectError("EOF", Code.Unknown));
    } catch {
      stream.end();
    }
  }

  private onRequest(stream: FakeAgentStream, request: ConversationRequest): void {
    if (stream.over) return;
    this.received.push(request);
    this.handleRequest(stream, request);
    this.waiters.check();
  }

  private handleRequest(stream: FakeAgentStream, request: ConversationRequest): void {
    const r = request.request;
    if (!stream.sawFirstFrame) {
      stream.sawFirstFrame = true;
      if (r.case === "agentConfig") {
        stream.registered = true;
        this.active = stream;
        this.agentConfig = r.value;
        this.registrations++;
      }
      return;
    }
    if (!stream.registered) return;
    switch (r.case) {
      case "agentConfig":
        this.agentConfig = r.value;
        break;
      case "agentResponse":
        this.onReply(r.value);
        break;
      case "message":
        this.onReply(
          create(AgentResponseSchema, {
            conversationId: r.value.conversationId,
            payload: {
              case: "content",
              value: { type: ContentChunk_ChunkType.END, content: r.value.content },
            },
          }),
        );
        break;
    }
  }

  private onReply(frame: AgentResponse): void {
    this.frames.push(frame);
    const turn = this.turnsById.get(frame.responseId);
    if (turn !== undefined && turn.conversationId === frame.conversationId) turn.record(frame);
  }

  private streamEnded(stream: FakeAgentStream): void {
    if (!this.streams.delete(stream)) return;
    stream.over = true;
    if (this.active === stream) this.active = undefined;
    for (const turn of this.turns) if (turn.streamId === stream.id) turn.lose();
    this.waiters.check();
  }
}

/** Names the frames of a list, for failure messages. */
export function describeFrames(frames: readonly AgentResponse[]): string {
  return frames.map((f) => `${f.conversationId}/${f.responseId}:${frameKind(f)}`).join(", ");
}
