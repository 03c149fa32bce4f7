/**
 * A hand-driven agent for sidecar tests: a raw Connect client on one
 * `ProcessConversation` stream, with a promise-based view of what the
 * sidecar pushes and helpers to reply START/DELTA/END.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  AgentMessaging,
  type AgentResponse,
  type AgentResponseSchema,
  ContentChunk_ChunkType,
  type ConversationRequest,
  ConversationRequestSchema,
} from "agentwire/schema";

type RequestInit = MessageInitShape<typeof ConversationRequestSchema>;
type ReplyPayload = MessageInitShape<typeof AgentResponseSchema>["payload"];

/** How the raw agent's stream ended. */
export interface StreamEnd {
  readonly ok: boolean;
  readonly error?: unknown;
}

/** A raw agent stream. */
export interface RawAgent {
  /** Frames the sidecar pushed, in order. */
  readonly received: AgentResponse[];
  /** Writes one frame. */
  send(init: RequestInit): void;
  /** Writes a reply frame (`agent_response`) for a conversation. */
  reply(conversationId: string, responseId: string, payload: ReplyPayload): void;
  /** Writes START, one DELTA per text, END. */
  replyText(conversationId: string, responseId: string, ...texts: string[]): void;
  /** The next pushed frame (after the previous match) matching `predicate`. */
  next(predicate?: (f: AgentResponse) => boolean): Promise<AgentResponse>;
  /** The next pushed user message. */
  nextMessage(): Promise<AgentResponse>;
  /** Half-closes the request side. */
  halfClose(): void;
  /** Cancels the call and drops the HTTP/2 connection. */
  abort(): void;
  /** Settles when the response stream ends. */
  readonly ended: Promise<StreamEnd>;
}

/** Opens a stream to `grpcUrl`; `first` is the first frame (default: an agent_config). */
export function connectRawAgent(
  grpcUrl: string,
  first: RequestInit | null = {
    request: { case: "agentConfig", value: { systemPrompt: "test agent" } },
  },
): RawAgent {
  const sessionManager = new Http2SessionManager(grpcUrl);
  const client = createClient(
    AgentMessaging,
    createGrpcTransport({ baseUrl: grpcUrl, sessionManager }),
  );
  const outbox: ConversationRequest[] = [];
  let wakeWriter: (() => void) | undefined;
  let halfClosed = false;
  async function* requests(): AsyncIterable<ConversationRequest> {
    for (;;) {
      const frame = outbox.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (halfClosed) return;
      await new Promise<void>((resolve) => {
        wakeWriter = resolve;
      });
    }
  }
  const abort = new AbortController();
  const received: AgentResponse[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  let cursor = 0;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const ended = (async (): Promise<StreamEnd> => {
    try {
      for await (const frame of client.processConversation(requests(), { signal: abort.signal })) {
        received.push(frame);
        wake();
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      done = true;
      wake();
      sessionManager.abort();
    }
  })();

  const agent: RawAgent = {
    received,
    send(init) {
      outbox.push(create(ConversationRequestSchema, init));
      wakeWriter?.();
    },
    reply(conversationId, responseId, payload) {
      agent.send({
        request: { case: "agentResponse", value: { conversationId, responseId, payload } },
      });
    },
    replyText(conversationId, responseId, ...texts) {
      agent.reply(conversationId, responseId, {
        case: "content",
        value: { type: ContentChunk_ChunkType.START },
      });
      for (const content of texts) {
        agent.reply(conversationId, responseId, {
          case: "content",
          value: { type: ContentChunk_ChunkType.DELTA, content },
        });
      }
      agent.reply(conversationId, responseId, {
        case: "content",
        value: { type: ContentChunk_ChunkType.END },
      });
    },
    next(predicate = () => true) {
      return new Promise((resolve, reject) => {
        const check = () => {
          while (cursor < received.length) {
            const f = received[cursor++] as AgentResponse;
            if (predicate(f)) return resolve(f);
          }
          if (done) return reject(new Error("agent stream ended before a matching frame"));
          waiters.push(check);
        };
        check();
      });
    },
    nextMessage: () => agent.next((f) => f.payload.case === "incomingMessage"),
    halfClose() {
      halfClosed = true;
      wakeWriter?.();
    },
    abort() {
      abort.abort();
      sessionManager.abort();
    },
    ended,
  };
  if (first) agent.send(first);
  return agent;
}
