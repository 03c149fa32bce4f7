import { create, isMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AgentwireError, assertArgument } from "../client/errors.js";
import { isRetryable } from "../client/retry.js";
import type { ErrorFrameInit } from "../oneof/frames.js";
import {
  ErrorResponse_ErrorCode,
  type ResponseAttachment,
  ResponseAttachmentSchema,
  StatusUpdate_Status,
  type SuggestedPrompts_PromptSchema,
} from "../schema/index.js";
import type {
  ErrorCodeName,
  FailOptions,
  PromptInput,
  StatusKind,
  TurnAttachment,
} from "./turn-interface.js";

const statusByKind: Record<StatusKind, StatusUpdate_Status> = {
  thinking: StatusUpdate_Status.THINKING,
  searching: StatusUpdate_Status.SEARCHING,
  generating: StatusUpdate_Status.GENERATING,
  processing: StatusUpdate_Status.PROCESSING,
  analyzing: StatusUpdate_Status.ANALYZING,
  custom: StatusUpdate_Status.CUSTOM,
};

/** Converts a status kind (literal or enum value) to the enum value, naming a bad one. */
export function statusValue(kind: StatusKind | StatusUpdate_Status): StatusUpdate_Status {
  if (typeof kind === "number") {
    assertArgument(
      StatusUpdate_Status[kind] !== undefined && kind !== StatusUpdate_Status.STATUS_UNSPECIFIED,
      `status: ${kind} is not a StatusUpdate.Status value`,
    );
    return kind;
  }
  const value = statusByKind[kind];
  assertArgument(value !== undefined, `status: unknown kind "${String(kind)}"`);
  return value;
}

const errorCodeByName: Record<ErrorCodeName, ErrorResponse_ErrorCode> = {
  rate_limit: ErrorResponse_ErrorCode.RATE_LIMIT,
  context_too_long: ErrorResponse_ErrorCode.CONTEXT_TOO_LONG,
  invalid_request: ErrorResponse_ErrorCode.INVALID_REQUEST,
  agent_error: ErrorResponse_ErrorCode.AGENT_ERROR,
  tool_error: ErrorResponse_ErrorCode.TOOL_ERROR,
  platform_error: ErrorResponse_ErrorCode.PLATFORM_ERROR,
};

/** Converts an attachment in any accepted form to a ResponseAttachment. */
export function toResponseAttachment(attachment: TurnAttachment): ResponseAttachment {
  if (isMessage(attachment, ResponseAttachmentSchema)) return attachment;
  if ("attachmentType" in attachment) return create(ResponseAttachmentSchema, attachment);
  if ("image" in attachment) {
    return create(ResponseAttachmentSchema, {
      attachmentType: { case: "image", value: attachment.image },
    });
  }
  if ("file" in attachment) {
    return create(ResponseAttachmentSchema, {
      attachmentType: { case: "file", value: attachment.file },
    });
  }
  if ("card" in attachment) {
    return create(ResponseAttachmentSchema, {
      attachmentType: { case: "card", value: attachment.card },
    });
  }
  if ("link" in attachment) {
    return create(ResponseAttachmentSchema, {
      attachmentType: { case: "link", value: attachment.link },
    });
  }
  throw new AgentwireError(
    "invalid_argument",
    "attach: an attachment must be a ResponseAttachment or one of {image}, {file}, {card}, {link}",
    Code.InvalidArgument,
  );
}

/** Converts prompt inputs to SuggestedPrompts.Prompt fields; a string becomes title and message. */
export function toPrompts(
  prompts: readonly PromptInput[],
): Array<MessageInitShape<typeof SuggestedPrompts_PromptSchema>> {
  return prompts.map((p, i) =>
    typeof p === "string" ? { id: `prompt-${i + 1}`, title: p, message: p } : p,
  );
}

/** The codes after which an agent failure is reported retryable to the sidecar. */
const frameRetryableCodes = [Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted];

/**
 * Describes a failure as the fields of an ErrorResponse: explicit options
 * win; otherwise an AgentwireError or ConnectError maps by its gRPC code
 * (InvalidArgument → INVALID_REQUEST, ResourceExhausted → RATE_LIMIT), is
 * retryable when `isRetryable` says so for Unavailable, DeadlineExceeded and
 * ResourceExhausted (so agentwire's own refusals, such as a frame too large,
 * are not), and anything else is AGENT_ERROR with the error's message.
 */
export function toErrorFrame(error: unknown, options: FailOptions = {}): ErrorFrameInit {
  let code = ErrorResponse_ErrorCode.AGENT_ERROR;
  let retryable = false;
  let message: string;
  if (error instanceof ConnectError) {
    message = error.rawMessage;
    if (error.code === Code.InvalidArgument) code = ErrorResponse_ErrorCode.INVALID_REQUEST;
    if (error.code === Code.ResourceExhausted) code = ErrorResponse_ErrorCode.RATE_LIMIT;
    retryable = isRetryable(error, { retryableCodes: frameRetryableCodes, callerAborted: false });
  } else if (error instanceof Error) {
    message = error.message;
  } else {
    message = typeof error === "string" ? error : String(error);
  }
  if (options.code !== undefined) {
    const explicit =
      typeof options.code === "number" ? options.code : errorCodeByName[options.code];
    assertArgument(explicit !== undefined, `fail: unknown error code "${String(options.code)}"`);
    code = explicit;
  }
  return {
    code,
    message: options.message ?? (message || "the agent failed"),
    details: options.details,
    retryable: options.retryable ?? retryable,
  };
}
