/**
 * The ceiling: a raw node:http2 client that writes pre-encoded DELTA
 * envelopes in large batches, with no protobuf encoding and no per-frame
 * bookkeeping. Only `outbound` is meaningful; it shows what this machine's
 * HTTP/2 loopback can carry at all.
 */
import { once } from "node:events";
import * as http2 from "node:http2";
import { configRequestBytes, deltaRequestBytes, envelopes } from "./fixtures.js";
import { type BenchClient, startMeasure } from "./measure.js";

const batchFrames = 1024;
const unsupported = (what: string) => () => {
  throw new Error(`the raw client only runs outbound (asked for ${what})`);
};

/** Creates the raw HTTP/2 ceiling client of the sidecar at `127.0.0.1:port`. */
export function createRawBenchClient(port: number): BenchClient {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  const batch = envelopes([deltaRequestBytes], batchFrames);
  return {
    async outbound({ n }) {
      const stream = session.request({
        ":method": "POST",
        ":path": "/astro.messaging.v1.AgentMessaging/ProcessConversation",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => {});
      stream.write(envelopes([configRequestBytes]));
      const done = once(stream, "data");
      const m = startMeasure();
      for (let sent = 0; sent < n; ) {
        const k = Math.min(batchFrames, n - sent);
        sent += k;
        if (!stream.write(k === batchFrames ? batch : envelopes([deltaRequestBytes], k))) {
          await once(stream, "drain");
        }
      }
      await done;
      const result = m.stop();
      stream.end();
      stream.resume();
      await once(stream, "close");
      return result;
    },
    inbound: unsupported("inbound"),
    rtt: unsupported("rtt"),
    paced: unsupported("paced"),
    codec: unsupported("codec"),
    idleBaseline: unsupported("idle"),
    idleOpen: unsupported("idle"),
    idleMeasure: unsupported("idle"),
    idleClose: unsupported("idle"),
    reconnectOpen: unsupported("reconnect"),
    outageWrites: unsupported("reconnect"),
    reconnectClose: unsupported("reconnect"),
  };
}
