/**
 * The reference side of every scenario: the existing Node SDK's stack,
 * @grpc/grpc-js with the .proto files loaded by @grpc/proto-loader
 * (protobufjs underneath), a `ProcessConversation()` bidi call written with
 * `call.write(obj)` and read with `call.on("data")`.
 *
 * Reconnect (which the old stack leaves to the agent): on a call error a new
 * call is opened at once with `waitForReady`, so grpc-js holds it (and the
 * writes made meanwhile) until its channel reconnects with its own backoff.
 */
import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { ContentChunk_ChunkType } from "agentwire/schema";
import {
  configRequestObject,
  conversationId,
  deltaText,
  responseId,
  userMessageBytes,
} from "./fixtures.js";
import { type BenchClient, opsPerSecond, pace, settledHeapUsed, startMeasure } from "./measure.js";
import { loadReferenceStack } from "./reference-stack.js";

/** The duplex call the grpc-js client returns for ProcessConversation. */
type Call = grpc.ClientDuplexStream<object, ReferenceResponse>;

/** The fields of a decoded AgentResponse the bench reads (keepCase). */
interface ReferenceResponse {
  conversation_id: string;
  response_id: string;
}

/** A fresh DELTA reply object, built per call as agent code would. */
const delta = (conversation = conversationId, response = responseId) => ({
  agent_response: {
    conversation_id: conversation,
    response_id: response,
    content: { type: ContentChunk_ChunkType.DELTA, content: deltaText },
  },
});

/** Creates the grpc-js reference bench client of the sidecar at `127.0.0.1:port`. */
export function createReferenceBenchClient(port: number): BenchClient {
  const { Client, processConversation } = loadReferenceStack();
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const newCall = (metadata?: grpc.Metadata): Call => {
    const call = (
      client as unknown as { ProcessConversation(m?: grpc.Metadata): Call }
    ).ProcessConversation(metadata);
    call.on("error", () => {});
    return call;
  };
  /** Opens a call and resolves when its config was written. */
  const open = async (): Promise<Call> => {
    const call = newCall();
    await new Promise<void>((resolve, reject) =>
      call.write(configRequestObject, (e: Error | null | undefined) => (e ? reject(e) : resolve())),
    );
    return call;
  };
  const end = async (call: Call) => {
    const status = once(call, "status");
    call.resume();
    call.end();
    await status;
  };
  let idle: Call[] = [];
  /** The warm call stays open (and referenced) for the whole process. */
  const warm: Call[] = [];
  let resilient: Call | undefined;
  let closing = false;
  let broken: Promise<void> = Promise.resolve();
  let onBroken: () => void = () => {};
  let outageWritten = 0;
  let outageFailed = 0;

  const openResilient = (): Call => {
    const call = newCall(new grpc.Metadata({ waitForReady: true }));
    call.write(configRequestObject);
    call.on("error", () => {
      if (closing || resilient !== call) return;
      resilient = openResilient();
    });
    return call;
  };

  return {
    async outbound({ n }) {
      const call = await open();
      const done = once(call, "data");
      const m = startMeasure();
      for (let i = 0; i < n; i++) {
        if (!call.write(delta())) await once(call, "drain");
      }
      await done;
      const result = m.stop();
      await end(call);
      return result;
    },

    async inbound({ n }) {
      const call = await open();
      let count = 0;
      const done = new Promise<void>((resolve) => {
        call.on("data", () => {
          if (++count === n) resolve();
        });
      });
      const m = startMeasure();
      call.write(delta());
      await done;
      const result = m.stop();
      await end(call);
      return result;
    },

    async rtt({ n }) {
      const call = await open();
      let count = 0;
      const done = new Promise<void>((resolve) => {
        call.on("data", (frame: ReferenceResponse) => {
          call.write(delta(frame.conversation_id, frame.response_id));
          if (++count === n) resolve();
        });
      });
      const m = startMeasure();
      call.write(delta());
      await done;
      const result = m.stop();
      await end(call);
      return result;
    },

    async paced({ ratePerSecond, durationMs }) {
      const call = await open();
      const done = once(call, "data");
      const m = startMeasure();
      const sent = await pace(ratePerSecond, durationMs, () => call.write(delta()));
      const result = m.stop();
      await done;
      await end(call);
      return { ...result, sent };
    },

    codec({ durationMs }) {
      const serialize = processConversation.requestSerialize;
      const deserialize = processConversation.responseDeserialize;
      const input = Buffer.from(userMessageBytes);
      const encode = () => serialize(delta()).byteLength;
      const decode = () => (deserialize(input) as ReferenceResponse).conversation_id.length;
      opsPerSecond(durationMs / 4, encode);
      opsPerSecond(durationMs / 4, decode);
      return {
        encodeOpsPerSec: opsPerSecond(durationMs, encode).opsPerSec,
        decodeOpsPerSec: opsPerSecond(durationMs, decode).opsPerSec,
      };
    },

    async idleBaseline() {
      if (warm.length === 0) warm.push(await open());
      return settledHeapUsed();
    },

    async idleOpen({ n }) {
      idle = await Promise.all(Array.from({ length: n }, open));
    },

    idleMeasure: settledHeapUsed,

    async idleClose() {
      await Promise.all(idle.map(end));
      idle = [];
    },

    async reconnectOpen() {
      closing = false;
      outageWritten = 0;
      outageFailed = 0;
      broken = new Promise((resolve) => {
        onBroken = resolve;
      });
      resilient = await open();
      const first = resilient;
      first.on("error", () => {
        if (closing || resilient !== first) return;
        resilient = openResilient();
        onBroken();
      });
    },

    async outageWrites({ k }) {
      const t0 = performance.now();
      await broken;
      const noticedMs = performance.now() - t0;
      const call = resilient as Call;
      for (let i = 0; i < k; i++) {
        call.write(delta(), (e: Error | null | undefined) => {
          if (e) outageFailed++;
          else outageWritten++;
        });
      }
      return { noticedMs };
    },

    async reconnectClose() {
      closing = true;
      const call = resilient as Call;
      resilient = undefined;
      await end(call);
      return { handedOver: outageWritten, failed: outageFailed };
    },
  };
}
