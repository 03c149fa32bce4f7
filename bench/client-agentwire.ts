/**
 * The agentwire side of every scenario, written the way an agent uses the
 * library: one client per sidecar, `createSession` per stream, `sendContent`
 * for the reply's DELTAs (what a Turn's `write` uses) and the `message` event
 * for user messages. The codec scenario measures the same encoder and the
 * session's decoder.
 *
 * agentwire runs as shipped, from the compiled `dist/` (`npm run bench`
 * builds first), as the reference stack runs as its published JavaScript:
 * run through tsx, every function would carry esbuild's keepNames wrapper,
 * which costs memory and time the package does not.
 */

import type * as Agentwire from "agentwire";
import type { Session } from "agentwire";
import type * as Schema from "agentwire/schema";
import type * as ContentEncoder from "../src/session/content-encoder.js";
import type * as ResponseDecoder from "../src/session/response-decoder.js";

const dist = (path: string) => new URL(`../dist/src/${path}`, import.meta.url).href;
const { createAgentClient, createSession } = (await import(dist("index.js"))) as typeof Agentwire;
const { ContentChunk_ChunkType } = (await import(dist("schema/index.js"))) as typeof Schema;
const { encodeContentRequest } = (await import(
  dist("session/content-encoder.js")
)) as typeof ContentEncoder;
const { decodeAgentResponse } = (await import(
  dist("session/response-decoder.js")
)) as typeof ResponseDecoder;

import {
  benchSystemPrompt,
  conversationId,
  deltaText,
  responseId,
  userMessageBytes,
} from "./fixtures.js";
import { type BenchClient, opsPerSecond, pace, settledHeapUsed, startMeasure } from "./measure.js";

/** Sends one DELTA of a reply, as a Turn's `write` does. */
const delta = (session: Session, conversation = conversationId, response = responseId) =>
  session.sendContent(
    { conversationId: conversation, responseId: response },
    ContentChunk_ChunkType.DELTA,
    deltaText,
  );

/** Sends are awaited once this many frames are queued: the flood's bounded window. */
const floodWindowFrames = 512;

/** Creates the agentwire bench client of the sidecar at `127.0.0.1:port`. */
export function createAgentwireBenchClient(port: number): BenchClient {
  const client = createAgentClient({ address: `127.0.0.1:${port}` });
  const open = (): Session =>
    createSession(client, { config: { systemPrompt: benchSystemPrompt } });
  const firstMessage = (session: Session) =>
    new Promise<void>((resolve) => {
      const off = session.on("message", () => {
        off();
        resolve();
      });
    });
  let idle: Session[] = [];
  let warm: Session | undefined;
  let resilient: Session | undefined;
  let outage: Promise<void>[] = [];
  let handedOver = 0;
  let failed = 0;

  return {
    async outbound({ n }) {
      const session = open();
      await session.ready();
      const done = firstMessage(session);
      const m = startMeasure();
      let last: Promise<void> | undefined;
      for (let i = 0; i < n; i++) {
        last = delta(session);
        if (session.bufferedFrames >= floodWindowFrames) await last;
      }
      await done;
      const result = m.stop();
      await session.close();
      return result;
    },

    async inbound({ n }) {
      const session = open();
      await session.ready();
      let count = 0;
      const done = new Promise<void>((resolve) => {
        session.on("message", () => {
          if (++count === n) resolve();
        });
      });
      const m = startMeasure();
      await delta(session);
      await done;
      const result = m.stop();
      await session.close();
      return result;
    },

    async rtt({ n }) {
      const session = open();
      await session.ready();
      let count = 0;
      const done = new Promise<void>((resolve) => {
        session.on("message", (_message, frame) => {
          void delta(session, frame.conversationId, frame.responseId);
          if (++count === n) resolve();
        });
      });
      const m = startMeasure();
      await delta(session);
      await done;
      const result = m.stop();
      await session.close();
      return result;
    },

    async paced({ ratePerSecond, durationMs }) {
      const session = open();
      await session.ready();
      const done = firstMessage(session);
      const m = startMeasure();
      const sent = await pace(ratePerSecond, durationMs, () => void delta(session));
      const result = m.stop();
      await done;
      await session.close();
      return { ...result, sent };
    },

    codec({ durationMs }) {
      const encode = () =>
        encodeContentRequest(conversationId, responseId, ContentChunk_ChunkType.DELTA, deltaText)
          .byteLength;
      const decode = () => decodeAgentResponse(userMessageBytes).conversationId.length;
      opsPerSecond(durationMs / 4, encode);
      opsPerSecond(durationMs / 4, decode);
      return {
        encodeOpsPerSec: opsPerSecond(durationMs, encode).opsPerSec,
        decodeOpsPerSec: opsPerSecond(durationMs, decode).opsPerSec,
      };
    },

    async idleBaseline() {
      if (warm === undefined) {
        warm = open();
        await warm.ready();
      }
      return settledHeapUsed();
    },

    async idleOpen({ n }) {
      idle = Array.from({ length: n }, open);
      await Promise.all(idle.map((s) => s.ready()));
    },

    idleMeasure: settledHeapUsed,

    async idleClose() {
      await Promise.all(idle.map((s) => s.close({ mode: "abandon" })));
      idle = [];
    },

    async reconnectOpen() {
      resilient = open();
      outage = [];
      handedOver = 0;
      failed = 0;
      await resilient.ready();
    },

    async outageWrites({ k }) {
      const session = resilient as Session;
      const t0 = performance.now();
      if (session.state === "open") {
        await new Promise<void>((resolve) => {
          const off = session.on("state", ({ state }) => {
            if (state !== "open") {
              off();
              resolve();
            }
          });
        });
      }
      const noticedMs = performance.now() - t0;
      for (let i = 0; i < k; i++) {
        outage.push(
          delta(session).then(
            () => void handedOver++,
            () => void failed++,
          ),
        );
      }
      return { noticedMs };
    },

    async reconnectClose() {
      await Promise.all(outage);
      await resilient?.close();
      resilient = undefined;
      return { handedOver, failed };
    },
  };
}
