import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import {
  requestHeader,
  validateResponse,
  validateTrailer,
} from "@connectrpc/connect/protocol-grpc";
import type { EnvelopeSplitter } from "./frame-codec.js";
import type { OutboundBody } from "./outbound-body.js";

/** The request headers of every conversation stream: the same for all, so built once. */
const conversationHeader = requestHeader(true, undefined, undefined);
/** Checked trailers carry the status; the response headers had none. */
const emptyHeaders = new Headers();

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
  const response = await open(httpClient, url, signal, body);
  for await (const chunk of response.body) splitter.push(chunk, onPayload);
  splitter.end();
  if (!response.trailersOnly) validateTrailer(response.trailer, emptyHeaders);
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
  const { foundStatus, headerError } = validateResponse(response.status, response.header);
  if (headerError) throw headerError;
  return { body: response.body, trailer: response.trailer, trailersOnly: foundStatus };
}
