/**
 * Why a fake-sidecar operation failed: `timeout` (a wait ran past its
 * `timeoutMs`), `aborted` (the caller's signal aborted a wait), `no_agent` (a
 * driver was called while no agent stream is registered; a real sidecar
 * would drop the frame), `closed` (the fake was closed), `turn_lost` (the
 * agent's stream ended before the turn's END or error frame), `unknown_turn`
 * (no turn matches the id given).
 */
export type FakeSidecarErrorReason =
  | "timeout"
  | "aborted"
  | "no_agent"
  | "closed"
  | "turn_lost"
  | "unknown_turn";

/** The error the testing kit throws; `reason` says what went wrong, the message says where. */
export class FakeSidecarError extends Error {
  /** What went wrong, as a stable string. */
  readonly reason: FakeSidecarErrorReason;

  constructor(reason: FakeSidecarErrorReason, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "FakeSidecarError";
    this.reason = reason;
  }
}
