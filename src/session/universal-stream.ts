import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { requestHeader } from "@connectrpc/connect/protocol-grpc";
import type { EnvelopeSplitter } from "./frame-codec.js";
import { errorFromStreamReset } from "./h2-status.js";
import type { OutboundBody } from "./outbound-body.js";
import { checkResponseHeaders, checkTrailers } from "./stream-status.js";

/** The request headers of every conversation stream: the same for all, so built once. */
const conversationHeader = requestHeader(true, undefined, undefined);

/**
 * Runs one conversation stream over a universal HTTP client: the path of
 * connections without a node:http2 session (the testing kit's in-memory
 * one). The body is pulled as an async iterable, the response read the same
 * way; Connect's gRPC validation checks headers and trailers. Resolves when
 * the sidecar ended the stream with status OK; rejects with its error.
 */
export async function runUniversalStream(
  httpClient: UniversalClientFn,
  url: string,
  signal: AbortSignal,
  body: OutboundBody,
  splitter: EnvelopeSplitter,
  onPayload: (payload: Uint8Array) => void,
): Promise<void> {
  try {
    const response = await open(httpClient, url, signal, body);
    for await (const chunk of response.body) splitter.push(chunk, onPayload);
    splitter.end();
    checkTrailers(response.trailer, response.trailersOnly);
  } catch (e) {
    throw errorFromStreamReset(e) ?? e;
  }
}

/**
 * Starts the request and checks the response headers; keeps only what the
 * read loop needs, so an idle stream does not hold the headers.
 */
async function open(
  httpClient: UniversalClientFn,
  url: string,
  signal: AbortSignal,
  body: OutboundBody,
) {
  const response = await httpClient({
    url,
    method: "POST",
    header: conversationHeader,
    signal,
    body,
  });
  const trailersOnly = checkResponseHeaders(response.status, response.header);
  return { body: response.body, trailer: response.trailer, trailersOnly };
}
