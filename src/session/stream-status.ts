import { Code, ConnectError } from "@connectrpc/connect";
import {
  headerContentType,
  parseContentType,
  validateResponseWithCompression,
  validateTrailer,
} from "@connectrpc/connect/protocol-grpc";

/**
 * How a conversation stream's response headers and trailers become its
 * outcome, on both stream paths (direct node:http2 and universal): Connect's
 * own gRPC validation, so the HTTP-status mapping, `grpc-message` decoding,
 * `grpc-status-details-bin` (as `ConnectError.details`) and the trailers as
 * `ConnectError.metadata` are Connect's.
 */

/** The conversation stream asks for no compression, so it accepts none. */
const noCompression: [] = [];
/** Trailer errors carry the trailers as metadata; the response headers are not kept. */
const noHeaders = new Headers();

/**
 * Checks the response headers; throws the error they announce (an HTTP
 * status other than 200, a type that is not binary gRPC, a compression, a
 * trailers-only error status). Returns whether they carried the status: a
 * trailers-only response, after which no trailers follow.
 */
export function checkResponseHeaders(status: number, header: Headers): boolean {
  const { foundStatus, headerError } = validateResponseWithCompression(
    noCompression,
    status,
    header,
  );
  if (headerError) throw headerError;
  if (parseContentType(header.get(headerContentType))?.binary === false) {
    throw new ConnectError(
      `unsupported content type ${header.get(headerContentType)}: the conversation stream is binary protobuf`,
      Code.Unknown,
    );
  }
  return foundStatus;
}

/**
 * Checks the end of a stream whose headers `checkResponseHeaders` accepted:
 * throws the error status of `trailer` (with the trailers as metadata), or
 * an INTERNAL error when neither carried a status; returns for OK.
 */
export function checkTrailers(trailer: Headers, trailersOnly: boolean): void {
  if (!trailersOnly) validateTrailer(trailer, noHeaders);
}
