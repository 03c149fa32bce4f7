/**
 * A scripted agent for browser tests, on a raw Connect stream: echoes a
 * message word by word, streams numbers for `count N` (about 20 ms apart)
 * until a STOP arrives, and asks for a form on `form`.
 */
import {
  type AgentResponse,
  ContentChunk_ChunkType,
  type Message,
  type PlatformFeedback,
  RenderableAction,
  StatusUpdate_Status,
} from "agentwire/schema";
import { connectRawAgent, type RawAgent } from "./raw-agent.js";

/** A running demo agent. */
export interface DemoAgent {
  readonly raw: RawAgent;
  /** Resolves with the next STOP feedback the agent receives. */
  nextStop(): Promise<PlatformFeedback>;
  /** Stops replying and closes the stream. */
  close(): Promise<void>;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects the demo agent to `grpcUrl`. */
export function startDemoAgent(grpcUrl: string): DemoAgent {
  const raw = connectRawAgent(grpcUrl, {
    request: { case: "agentConfig", value: { systemPrompt: "demo agent for the chat page" } },
  });
  const stopped = new Set<string>();
  const stopWaiters: ((f: PlatformFeedback) => void)[] = [];
  let closed = false;

  const chunk = (conv: string, rid: string, type: ContentChunk_ChunkType, content = "") =>
    raw.reply(conv, rid, { case: "content", value: { type, content } });

  async function answer(frame: AgentResponse, msg: Message): Promise<void> {
    const conv = frame.conversationId;
    const rid = frame.responseId;
    raw.reply(conv, rid, { case: "status", value: { status: StatusUpdate_Status.THINKING } });
    await tick(150);
    const count = /^count (\d+)$/.exec(msg.content.trim());
    if (msg.content.trim() === "form") {
      raw.reply(conv, rid, {
        case: "renderable",
        value: {
          id: `form-${rid}`,
          message: "Where should the trip go?",
          dataSchemaJson: JSON.stringify({
            type: "object",
            properties: {
              city: { type: "string", title: "City" },
              nights: { type: "integer", title: "Nights", minimum: 1 },
              class: { type: "string", title: "Class", enum: ["economy", "business"] },
              flexible: { type: "boolean", title: "Flexible dates" },
            },
            required: ["city", "nights"],
          }),
          allowedActions: [RenderableAction.SUBMIT, RenderableAction.CANCEL],
        },
      });
      return;
    }
    chunk(conv, rid, ContentChunk_ChunkType.START);
    const words = count
      ? Array.from({ length: Number(count[1]) }, (_, i) => `${i + 1} `)
      : msg.content.split(/(?<=\s)/);
    for (const word of words) {
      if (stopped.has(rid) || closed) return; // a stopped turn sends nothing more
      chunk(conv, rid, ContentChunk_ChunkType.DELTA, word);
      await tick(count ? 20 : 30);
    }
    chunk(conv, rid, ContentChunk_ChunkType.END);
    if (!count) {
      raw.reply(conv, rid, {
        case: "prompts",
        value: {
          prompts: [
            { id: "count", title: "Count to 100", message: "count 100" },
            { id: "form", title: "Plan a trip", message: "form" },
          ],
        },
      });
    }
  }

  void (async () => {
    for (;;) {
      const frame = await raw.next().catch(() => undefined);
      if (!frame) return;
      const p = frame.payload;
      if (p.case === "incomingMessage") void answer(frame, p.value);
      else if (p.case === "feedback") {
        const fb = p.value;
        if (fb.feedback.case === "streamControl") {
          stopped.add(fb.responseId);
          for (const w of stopWaiters.splice(0)) w(fb);
        } else if (fb.feedback.case === "renderableResponse") {
          const conv = frame.conversationId;
          const answerJson = JSON.parse(fb.feedback.value.contentJson || "{}") as {
            city?: string;
            nights?: number;
          };
          const text =
            fb.feedback.value.action === RenderableAction.SUBMIT
              ? `Booked ${answerJson.nights} nights in ${answerJson.city}.`
              : "No trip then.";
          chunk(conv, fb.responseId, ContentChunk_ChunkType.START);
          chunk(conv, fb.responseId, ContentChunk_ChunkType.DELTA, text);
          chunk(conv, fb.responseId, ContentChunk_ChunkType.END);
        }
      }
    }
  })();

  return {
    raw,
    nextStop: () => new Promise((resolve) => stopWaiters.push(resolve)),
    async close() {
      closed = true;
      raw.abort();
      await raw.ended;
    },
  };
}
