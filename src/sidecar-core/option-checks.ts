/**
 * The checks both sidecars apply to their options, and the error naming the
 * option that was wrong.
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../client/errors.js";

/** An option of a sidecar that cannot work: AgentwireError `invalid_argument`, naming the option. */
export class SidecarOptionError extends AgentwireError {
  /** The option that was wrong. */
  readonly option: string;

  constructor(option: string, message: string, cause?: unknown) {
    super("invalid_argument", `${option}: ${message}`, Code.InvalidArgument, cause);
    this.option = option;
  }

  /** Narrows `instanceof` to this class (AgentwireError's own check accepts any AgentwireError). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(SidecarOptionError, value);
  }
}

/** Returns `value` when it is an integer from `min` to `max`; else throws {@link SidecarOptionError}. */
export function checkCount(
  option: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SidecarOptionError(option, `expected an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Returns `value` when it is a non-empty string; else throws {@link SidecarOptionError}. */
export function checkText(option: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new SidecarOptionError(option, `expected a non-empty string, got ${String(value)}`);
  }
  return value;
}
