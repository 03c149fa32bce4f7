import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from "node:http2";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { abortedError } from "../client/errors.js";
import type { EnvelopeSplitter } from "./frame-codec.js";
import { errorFromResetCode, errorFromTransport, headersFromNode } from "./h2-status.js";
import type { OutboundBody } from "./outbound-body.js";
import { checkResponseHeaders, checkTrailers } from "./stream-status.js";

/** The request headers of every conversation stream (gRPC over HTTP/2, binary protobuf). */
const requestHeaders = {
  "content-type": "application/grpc+proto",
  te: "trailers",
  "user-agent": "agentwire",
} as const;

/**
 * Runs one conversation stream straight on a node:http2 session: writes what
 * `body` hands out (one write at a time; frames queued meanwhile go out
 * together in the next write), splits what arrives into frames for
 * `onPayload`, and settles when the stream ends: resolves when the sidecar
 * ended it with status OK, rejects with a ConnectError otherwise, or when
 * `signal` aborts. Nothing stays registered once it settled.
 */
export async function runDirectStream(
  sessionManager: Http2SessionManager,
  path: string,
  signal: AbortSignal,
  body: OutboundBody,
  splitter: EnvelopeSplitter,
  onPayload: (payload: Uint8Array) => void,
): Promise<void> {
  let stream: ClientHttp2Stream;
  try {
    stream = await sessionManager.request("POST", path, requestHeaders, {});
  } catch (e) {
    throw signal.aborted ? abortedError("stream", signal) : errorFromTransport(e);
  }
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let writing = false;
    let trailersOnly = false;
    let trailers: IncomingHttpHeaders | undefined;

    const settle = (error: unknown) => {
      if (settled) return;
      settled = true;
      body.onReady = undefined;
      signal.removeEventListener("abort", onAbort);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => settle(abortedError("stream", signal));
    const pump = () => {
      if (writing || settled) return;
      const next = body.take();
      if (next === undefined) return;
      if (next.done) {
        if (!stream.writableEnded) stream.end();
        return;
      }
      writing = true;
      stream.write(next.value, (e) => {
        writing = false;
        if (e) settle(errorFromTransport(e));
        else pump();
      });
    };

    /** The stream's outcome from its trailers: undefined for OK, the error otherwise. */
    const endError = (): unknown => {
      try {
        checkTrailers(headersFromNode(trailers), trailersOnly);
        return undefined;
      } catch (e) {
        return e;
      }
    };

    stream.on("response", (headers) => {
      try {
        trailersOnly = checkResponseHeaders(Number(headers[":status"]), headersFromNode(headers));
      } catch (e) {
        settle(e);
      }
    });
    stream.on("data", (chunk: Buffer) => {
      sessionManager.notifyResponseByteRead(stream);
      try {
        splitter.push(chunk, onPayload);
      } catch (e) {
        settle(e);
      }
    });
    stream.on("trailers", (headers) => {
      trailers = headers;
    });
    stream.on("end", () => {
      try {
        splitter.end();
      } catch (e) {
        return settle(e);
      }
      settle(endError());
    });
    stream.on("close", () => {
      settle(errorFromResetCode(stream.rstCode) ?? endError());
    });
    stream.on("error", (e) => {
      // A reset stream reports its code too: that says more than the error.
      const reset = stream.rstCode ? errorFromResetCode(stream.rstCode) : undefined;
      settle(reset ?? errorFromTransport(e));
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    body.onReady = pump;
    pump();
  });
}
