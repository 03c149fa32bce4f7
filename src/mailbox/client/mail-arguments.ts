import { assertArgument } from "../../client/errors.js";
import type { SeqInput } from "./mail-types.js";
import { malformedAnswer } from "./proto-convert.js";

/** A sequence given by the caller, checked: a non-negative bigint or safe integer. */
export function toSeq(what: string, name: string, value: SeqInput): bigint {
  const ok =
    (typeof value === "bigint" && value >= 0n) ||
    (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
  assertArgument(
    ok,
    `${what}: ${name} must be a delivery sequence (a bigint or safe integer of at least 0), got ${String(value)}`,
  );
  return BigInt(value);
}

/** `watch`'s `after`, checked: a sequence (default 0) or "latest". */
export function watchAfter(value: SeqInput | "latest" | undefined): bigint | "latest" {
  if (value === "latest") return value;
  assertArgument(
    typeof value !== "string",
    `watch: after must be a delivery sequence (a bigint or safe integer of at least 0) or "latest", got "${String(value)}"`,
  );
  return toSeq("watch", "after", value ?? 0n);
}

/** A count option, checked; undefined becomes `fallback` (0: the server's default). */
export function count(what: string, name: string, value: number | undefined, fallback = 0): number {
  if (value === undefined) return fallback;
  assertArgument(
    Number.isInteger(value) && value >= 0 && value <= 2 ** 31 - 1,
    `${what}: ${name} must be a whole number of at least 0, got ${String(value)}`,
  );
  return value;
}

/** A thread id argument, checked. */
export function id(what: string, name: string, value: string): string {
  assertArgument(
    typeof value === "string" && value.length > 0,
    `${what}: ${name} must be a non-empty string, got ${String(value)}`,
  );
  return value;
}

/** A field the server must answer. */
export function required<T>(value: T | undefined, what: string, field: string): T {
  if (value === undefined) throw malformedAnswer(`${what}: the server answered no ${field}`);
  return value;
}

/** Recipients given by the caller: one agent id or an array of them. */
export function recipients(what: string, name: string, value: string | string[]): string[] {
  const list = typeof value === "string" ? [value] : value;
  assertArgument(
    Array.isArray(list) && list.every((r) => typeof r === "string"),
    `${what}: ${name} must be an agent id or an array of agent ids`,
  );
  return list;
}
