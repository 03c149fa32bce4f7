import {
  type AgentClient,
  createAgentClient,
  createSession,
  type Session,
  type SessionOptions,
  type SessionStateChange,
} from "agentwire";
import { type AgentResponse, ContentChunk_ChunkType } from "agentwire/schema";
import type { FakeSidecar } from "agentwire/testing";
import { Inbox } from "../helpers/step.js";

/** How the agent under test reaches the fake: its in-memory connection or a real port. */
export type Mode = "memory" | "port";

/** A session on a fake sidecar with its inbound frames and state changes recorded. */
export interface TestAgent {
  client: AgentClient;
  session: Session;
  inbound: Inbox<AgentResponse>;
  states: Inbox<SessionStateChange>;
  /** Sends a content frame answering `frame`. */
  content(frame: AgentResponse, type: ContentChunk_ChunkType, text?: string): Promise<void>;
  /** Answers `frame` with START, one DELTA with `text`, END. */
  answer(frame: AgentResponse, text: string): Promise<void>;
  /** Waits for the session to reach `state`. */
  reach(state: SessionStateChange["state"]): Promise<SessionStateChange>;
  /** Closes the session and the client. */
  dispose(): Promise<void>;
}

/** Starts an agent session on `fake` in `mode`. */
export async function startAgent(
  fake: FakeSidecar,
  mode: Mode,
  options: Partial<SessionOptions> = {},
): Promise<TestAgent> {
  const client =
    mode === "port" ? createAgentClient({ address: await fake.listen() }) : fake.client();
  const session = createSession(client, {
    config: { systemPrompt: "test agent" },
    initialDelayMs: 5,
    maxDelayMs: 20,
    ...options,
  });
  const inbound = new Inbox<AgentResponse>();
  const states = new Inbox<SessionStateChange>();
  session.on("frame", inbound.push);
  session.on("state", states.push);
  const content = (frame: AgentResponse, type: ContentChunk_ChunkType, text = "") =>
    session.respond({
      conversationId: frame.conversationId,
      responseId: frame.responseId,
      payload: { case: "content", value: { type, content: text } },
    });
  return {
    client,
    session,
    inbound,
    states,
    content,
    async answer(frame, text) {
      await content(frame, ContentChunk_ChunkType.START);
      await content(frame, ContentChunk_ChunkType.DELTA, text);
      await content(frame, ContentChunk_ChunkType.END);
    },
    reach: (state) => states.nextMatching((c) => c.state === state, `state ${state}`),
    async dispose() {
      await session.close({ mode: "abandon" });
      client.close();
    },
  };
}
