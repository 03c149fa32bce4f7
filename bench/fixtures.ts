/**
 * The frames the benchmark sends, built once in each process: the DELTA reply
 * an agent streams, the user message a sidecar pushes, and their gRPC
 * envelopes for the bench sidecar and the raw ceiling client.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AgentResponseSchema,
  Attachment_Type,
  ContentChunk_ChunkType,
  ConversationRequestSchema,
  PlatformContext_EventKind,
} from "agentwire/schema";

/** The conversation every benchmark frame belongs to (a real-looking uuid). */
export const conversationId = "3f2b8c1e-9a47-4d2e-b6a1-0c5d7e8f9a12";

/** The turn every benchmark reply frame answers (a real-looking uuid). */
export const responseId = "a81c4e0f-52d3-4b9a-8e67-f1d2c3b4a596";

/** The text of one DELTA chunk: about 20 characters, like one LLM token burst. */
export const deltaText = "the quick brown fox ";

/** The system prompt of the config frame every bench client writes first. */
export const benchSystemPrompt = "bench";

/** The user message the sidecar pushes (about 600 bytes encoded), as protobuf-es init fields. */
export const userMessageInit = {
  conversationId,
  responseId,
  payload: {
    case: "incomingMessage" as const,
    value: {
      id: responseId,
      timestamp: { seconds: 1_760_000_000n, nanos: 123_000_000 },
      platform: "slack",
      conversationId,
      content:
        "Could you summarise the attached Q3 report and the dashboard? Which metrics moved most?",
      user: {
        id: "U04ABCD1234",
        username: "dana.fischer",
        email: "dana.fischer@example.com",
      },
      platformContext: {
        messageId: "1760000000.123456",
        channelId: "C05EFGH5678",
        channelName: "team-analytics",
        workspaceId: "T01WXYZ9876",
        platformData: { team_domain: "example-corp", event_ts: "1760000000.1234" },
        botUserId: "U07BOT00001",
        eventKind: PlatformContext_EventKind.APP_MENTION,
        userId: "U04ABCD1234",
      },
      attachments: [
        {
          type: Attachment_Type.FILE,
          url: "https://files.example.com/F0123/q3-report.pdf",
          filename: "q3-report.pdf",
          sizeBytes: 482_133n,
          mimeType: "application/pdf",
        },
        {
          type: Attachment_Type.IMAGE,
          url: "https://files.example.com/F0124/dashboard.png",
          filename: "dashboard.png",
          sizeBytes: 91_877n,
          mimeType: "image/png",
          width: 1440,
          height: 900,
        },
      ],
    },
  },
};

/** The AgentResponse carrying the user message, encoded. */
export const userMessageBytes: Uint8Array = toBinary(
  AgentResponseSchema,
  create(AgentResponseSchema, userMessageInit),
);

/** A ConversationRequest{agent_response{content DELTA}} as protobuf-es init fields (what `respond` builds). */
export const deltaRequestInit = {
  request: {
    case: "agentResponse" as const,
    value: {
      conversationId,
      responseId,
      payload: {
        case: "content" as const,
        value: { type: ContentChunk_ChunkType.DELTA, content: deltaText },
      },
    },
  },
};

/** The DELTA frame encoded. */
export const deltaRequestBytes: Uint8Array = toBinary(
  ConversationRequestSchema,
  create(ConversationRequestSchema, deltaRequestInit),
);

/** The config frame encoded. */
export const configRequestBytes: Uint8Array = toBinary(
  ConversationRequestSchema,
  create(ConversationRequestSchema, {
    request: { case: "agentConfig", value: { systemPrompt: benchSystemPrompt } },
  }),
);

/** The same DELTA frame in the shape the grpc-js reference client writes (keepCase, oneofs). */
export const deltaRequestObject = {
  agent_response: {
    conversation_id: conversationId,
    response_id: responseId,
    content: { type: ContentChunk_ChunkType.DELTA, content: deltaText },
  },
};

/** The config frame in the shape the grpc-js reference client writes. */
export const configRequestObject = { agent_config: { system_prompt: benchSystemPrompt } };

/** Wraps payloads in gRPC envelopes (flag byte 0, big-endian length), `repeat` times over. */
export function envelopes(payloads: readonly Uint8Array[], repeat = 1): Buffer {
  let size = 0;
  for (const p of payloads) size += 5 + p.byteLength;
  const out = Buffer.allocUnsafe(size * repeat);
  let at = 0;
  for (let r = 0; r < repeat; r++) {
    for (const p of payloads) {
      out[at] = 0;
      out.writeUInt32BE(p.byteLength, at + 1);
      out.set(p, at + 5);
      at += 5 + p.byteLength;
    }
  }
  return out;
}
