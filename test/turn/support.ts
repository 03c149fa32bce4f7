import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServeHandle } from "agentwire";
import {
  type AgentResponse,
  ContentChunk_ChunkType,
  ErrorResponse_ErrorCode,
  type PlatformFeedbackSchema,
  StatusUpdate_Status,
} from "agentwire/schema";
import { afterEach, beforeEach } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import {
  type ScriptableSidecar,
  type ScriptedStream,
  startScriptableSidecar,
} from "../helpers/scriptable-sidecar.js";

/** A scripted sidecar with one connected agent session whose handshake was read. */
export interface TurnRig {
  sidecar: ScriptableSidecar;
  agent: ReturnType<typeof connectAgent>;
  stream: ScriptedStream;
  dispose(): Promise<void>;
}

/** Starts a scripted sidecar, connects a session and reads its config frame. */
export async function startRig(): Promise<TurnRig> {
  const sidecar = await startScriptableSidecar();
  const agent = connectAgent(sidecar.address);
  const stream = await sidecar.streams.next("the agent's stream");
  const config = await stream.received.next("the config frame");
  if (config.request.case !== "agentConfig") throw new Error("the first frame is not the config");
  await agent.session.ready();
  return {
    sidecar,
    agent,
    stream,
    async dispose() {
      await agent.dispose();
      await sidecar.close();
    },
  };
}

/** The running test's rig, and what it served (closed after the test). */
export interface TurnTest {
  /** A fresh rig for each test. */
  rig: TurnRig;
  /** Set to what the test serves: it is closed before the rig. */
  served: ServeHandle | undefined;
}

/** Starts a fresh rig before each test of the file and ends it (and what was served) after it. */
export function useTurnRig(): TurnTest {
  const test = { served: undefined } as TurnTest;
  beforeEach(async () => {
    test.rig = await startRig();
  });
  afterEach(async () => {
    await test.served?.close();
    test.served = undefined;
    await test.rig.dispose();
  });
  return test;
}

let nextId = 0;

/** Sends a user message to the agent; returns its id (the turn's response id). */
export function sendMessage(
  stream: ScriptedStream,
  conversationId: string,
  content: string,
  traceparent?: string,
): string {
  const id = `msg-${++nextId}`;
  stream.send({
    conversationId,
    responseId: id,
    traceContext: traceparent === undefined ? undefined : { traceparent, tracestate: "k=v" },
    payload: { case: "incomingMessage", value: { id, conversationId, content } },
  });
  return id;
}

/** Sends feedback to the agent. */
export function sendFeedback(
  stream: ScriptedStream,
  conversationId: string,
  responseId: string,
  feedback: MessageInitShape<typeof PlatformFeedbackSchema>["feedback"],
): void {
  stream.send({
    conversationId,
    responseId,
    payload: { case: "feedback", value: { conversationId, responseId, feedback } },
  });
}

/** Sends a STOP for a conversation. */
export function sendStop(stream: ScriptedStream, conversationId: string, responseId: string) {
  sendFeedback(stream, conversationId, responseId, {
    case: "streamControl",
    value: { action: 1, reason: "user_cancelled" },
  });
}

/** Reads the agent's next reply frame (skipping nothing; fails on a non-reply frame). */
export async function nextReply(
  stream: ScriptedStream,
  what = "a reply frame",
): Promise<AgentResponse> {
  const frame = await stream.received.next(what);
  if (frame.request.case !== "agentResponse") {
    throw new Error(`expected an agent_response, got ${frame.request.case}`);
  }
  return frame.request.value;
}

/** A short, readable name of a reply frame: "START", "DELTA:hi", "END", "STATUS:THINKING", "ERROR:AGENT_ERROR". */
export function describe(frame: AgentResponse): string {
  const p = frame.payload;
  switch (p.case) {
    case "content": {
      const type = ContentChunk_ChunkType[p.value.type];
      return p.value.content === "" ? `${type}` : `${type}:${p.value.content}`;
    }
    case "status":
      return `STATUS:${StatusUpdate_Status[p.value.status]}`;
    case "error":
      return `ERROR:${ErrorResponse_ErrorCode[p.value.code]}`;
    default:
      return String(p.case).toUpperCase();
  }
}

/** Reads reply frames until (and including) one whose description matches `last`. */
export async function readUntil(
  stream: ScriptedStream,
  last: (description: string) => boolean,
  what: string,
): Promise<AgentResponse[]> {
  const frames: AgentResponse[] = [];
  for (;;) {
    const frame = await nextReply(stream, what);
    frames.push(frame);
    if (last(describe(frame))) return frames;
  }
}

/** Whether a description is a terminal frame (END or an error). */
export const isTerminal = (d: string) =>
  d === "END" || d.startsWith("END:") || d.startsWith("ERROR:");
