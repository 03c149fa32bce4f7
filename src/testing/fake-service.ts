import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  AgentMessaging,
  type AgentResponse,
  type ConversationMetadataRequest,
  type ConversationRequest,
  HealthCheckResponse_Status,
  type ThreadHistoryRequest,
} from "../schema/index.js";
import { agentFrameEffect } from "../sidecar-core/agent-frames.js";
import type { FakeLedger } from "./fake-ledger.js";
import type { ResolvedFakeSidecarOptions } from "./fake-options.js";
import type { FakeAgentStream } from "./fake-stream.js";

/**
 * Creates the fake's AgentMessaging service, to mount on an in-memory
 * connection or an HTTP/2 server: ProcessConversation registers agent
 * streams and records their frames in `ledger`, the unary calls answer from
 * the messages the fake delivered.
 */
export function createFakeServiceRoutes(
  ledger: FakeLedger,
  options: ResolvedFakeSidecarOptions,
): (router: ConnectRouter) => void {
  return (router) => {
    router.service(AgentMessaging, {
      processConversation: (requests, ctx) => openStream(ledger, requests, ctx),
      healthCheck: () => ({
        status: HealthCheckResponse_Status.HEALTHY,
        version: options.version,
      }),
      getThreadHistory: (request) => threadHistory(ledger, request),
      getConversationMetadata: (request) => conversationMetadata(ledger, options, request),
      async *processMessage() {},
      processAudioStream() {
        throw new ConnectError("ProcessAudioStream is not implemented", Code.Unimplemented);
      },
    });
  };
}

function threadHistory(ledger: FakeLedger, request: ThreadHistoryRequest) {
  if (request.maxMessages < 0) {
    throw new ConnectError(
      `max_messages must not be negative, got ${request.maxMessages}`,
      Code.InvalidArgument,
    );
  }
  const max = request.maxMessages === 0 ? 50 : request.maxMessages;
  const messages = ledger.historyOf(request.conversationId).slice(-max);
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

function conversationMetadata(
  ledger: FakeLedger,
  options: ResolvedFakeSidecarOptions,
  request: ConversationMetadataRequest,
) {
  const id = request.identifier;
  const conversationId =
    id.case === "conversationId" ? id.value : ledger.knownConversation(id.value?.channelId);
  const messages = ledger.historyOf(conversationId);
  const last = messages[messages.length - 1];
  return {
    conversationId,
    found: messages.length > 0,
    platform: messages.length > 0 ? options.platform : "",
    channelId: messages.length > 0 ? conversationId : "",
    messageCount: messages.length,
    lastMessageTime: last?.timestamp,
  };
}

function openStream(
  ledger: FakeLedger,
  requests: AsyncIterable<ConversationRequest>,
  ctx: HandlerContext,
): AsyncIterable<AgentResponse> {
  if (ledger.closed) throw new ConnectError("the fake sidecar is closed", Code.Unavailable);
  const stream = ledger.openStream();
  const onAbort = () => stream.end();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  void pump(ledger, stream, requests);
  const responses = stream.responses();
  const ended = () => {
    ctx.signal.removeEventListener("abort", onAbort);
    ledger.streamEnded(stream);
  };
  return (async function* () {
    try {
      yield* responses;
    } finally {
      ended();
    }
  })();
}

async function pump(
  ledger: FakeLedger,
  stream: FakeAgentStream,
  requests: AsyncIterable<ConversationRequest>,
): Promise<void> {
  try {
    for await (const request of requests) onRequest(ledger, stream, request);
    // A deployed sidecar reads the agent's half-close as an EOF error and ends the stream.
    stream.fail(new ConnectError("EOF", Code.Unknown));
  } catch {
    stream.end();
  }
}

function onRequest(
  ledger: FakeLedger,
  stream: FakeAgentStream,
  request: ConversationRequest,
): void {
  if (stream.over) return;
  ledger.received.push(request);
  handleRequest(ledger, stream, request);
  ledger.waiters.check();
}

/**
 * Applies a frame from an agent as a deployed sidecar does (the rules are
 * the dev sidecar's, `agentFrameEffect`): the first frame registers the
 * stream, later frames of registered streams are replies or config updates.
 */
function handleRequest(
  ledger: FakeLedger,
  stream: FakeAgentStream,
  request: ConversationRequest,
): void {
  const first = !stream.sawFirstFrame;
  stream.sawFirstFrame = true;
  if (!first && !stream.registered) return;
  const effect = agentFrameEffect(request, first);
  switch (effect.kind) {
    case "register":
      stream.registered = true;
      ledger.active = stream;
      if (effect.config) ledger.agentConfig = effect.config;
      ledger.registrations++;
      break;
    case "config":
      ledger.agentConfig = effect.config;
      break;
    case "reply":
      ledger.recordReply(effect.frame);
      break;
    case "ignored":
      break;
  }
}
