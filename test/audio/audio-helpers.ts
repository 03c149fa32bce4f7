import {
  type AgentClient,
  createAgentClient,
  createSession,
  type Session,
  type SessionStateChange,
} from "agentwire";
import type { AgentResponse } from "agentwire/schema";
import { createFakeSidecar, type FakeSidecar } from "agentwire/testing";
import { Inbox } from "../helpers/step.js";

/** An agent session on a fake sidecar listening on a real 127.0.0.1 port. */
export interface AudioRig {
  fake: FakeSidecar;
  client: AgentClient;
  session: Session;
  /** Every frame the session received. */
  inbound: Inbox<AgentResponse>;
  states: Inbox<SessionStateChange>;
  /** Waits until the session received the chunk with done=true of `conversationId`. */
  doneArrived(conversationId: string): Promise<AgentResponse>;
  dispose(): Promise<void>;
}

/** Starts a fake sidecar on a real port and an agent session connected to it. */
export async function startAudioRig(): Promise<AudioRig> {
  const fake = createFakeSidecar({ timeoutMs: 3000 });
  const client = createAgentClient({ address: await fake.listen() });
  const session = createSession(client, {
    config: { systemPrompt: "audio" },
    initialDelayMs: 5,
    maxDelayMs: 20,
  });
  const inbound = new Inbox<AgentResponse>();
  const states = new Inbox<SessionStateChange>();
  session.on("frame", inbound.push);
  session.on("state", states.push);
  await fake.waitForAgent();
  return {
    fake,
    client,
    session,
    inbound,
    states,
    doneArrived: (conversationId) =>
      inbound.nextMatching(
        (f) =>
          f.conversationId === conversationId &&
          f.payload.case === "audioChunk" &&
          f.payload.value.done,
        `the last audio chunk of ${conversationId}`,
      ),
    async dispose() {
      await session.close({ mode: "abandon" });
      client.close();
      await fake.close();
    },
  };
}

/** Bytes 0..n-1 offset by `start`, for recognisable audio. */
export function bytes(n: number, start = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) % 256);
}

/** Reads a stream to the end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out.push(...chunk);
  return out;
}
