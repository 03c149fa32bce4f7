import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError, type AgentwireErrorReason } from "../../client/errors.js";

/**
 * The reason of a refusal the mailbox server answers with, by Connect code.
 * Every other code (UNAVAILABLE, INTERNAL, ABORTED, ... — how a restarting
 * server or a broken connection shows) keeps the transport's reason
 * `rpc_failed`, which `isRetryable` may retry; these never are.
 */
const refusals: Partial<Record<Code, AgentwireErrorReason>> = {
  [Code.NotFound]: "not_found",
  [Code.PermissionDenied]: "forbidden",
  [Code.Unauthenticated]: "unauthenticated",
  [Code.InvalidArgument]: "invalid_argument",
};

/**
 * Converts anything a mailbox call threw into an AgentwireError whose reason
 * says what the server refused (`not_found`, `forbidden`, `unauthenticated`,
 * `invalid_argument` naming the field, `too_large`), or `rpc_failed` with the
 * transport's code. The message starts with the method name.
 *
 * RESOURCE_EXHAUSTED means two things: on a call, input over a limit
 * (`too_large`, never retried); on a watch, a server with too many streams
 * open (`rpc_failed`, retried after a backoff): `exhausted` says which.
 */
export function mailboxError(
  what: string,
  error: unknown,
  exhausted: "too_large" | "rpc_failed" = "too_large",
): AgentwireError {
  if (error instanceof AgentwireError) return error;
  const ce = ConnectError.from(error);
  const reason =
    ce.code === Code.ResourceExhausted ? exhausted : (refusals[ce.code] ?? "rpc_failed");
  const out = new AgentwireError(reason, `${what}: ${ce.rawMessage}`, ce.code, error);
  for (const [k, v] of ce.metadata) out.metadata.append(k, v);
  return out;
}

/** The error of an inbound payload that the client's `validate` hook refused. */
export function invalidPayloadError(
  what: string,
  message: { id: string; from: string },
  cause: unknown,
): AgentwireError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AgentwireError(
    "invalid_argument",
    `${what}: payload of message ${message.id} from ${message.from} failed validation: ${detail}`,
    Code.InvalidArgument,
    cause,
  );
}
