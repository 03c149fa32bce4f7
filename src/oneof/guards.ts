import { OneofCaseError } from "./errors.js";
import type { Oneof, OneofCase, OneofSelected, OneofValue } from "./types.js";

/** Tells whether the oneof holds case `kase`, narrowing it to that member so `.value` is typed. */
export function isCase<T extends Oneof, K extends OneofCase<T>>(
  oneof: T,
  kase: K,
): oneof is OneofSelected<T, K> {
  return oneof.case === kase;
}

/** Returns the oneof's value when it holds case `kase`, otherwise `undefined`. */
export function caseValue<T extends Oneof, K extends OneofCase<T>>(
  oneof: T,
  kase: K,
): OneofValue<T, K> | undefined {
  return oneof.case === kase ? (oneof.value as OneofValue<T, K>) : undefined;
}

/**
 * Narrows the oneof to case `kase` or throws, for code paths where any other
 * case is a protocol violation.
 *
 * @param oneofName names the oneof in the error message, e.g. `"AgentResponse.payload"`.
 * @throws OneofCaseError naming the expected and the actual case.
 */
export function assertCase<T extends Oneof, K extends OneofCase<T>>(
  oneof: T,
  kase: K,
  oneofName?: string,
): asserts oneof is OneofSelected<T, K> {
  if (oneof.case !== kase) throw new OneofCaseError([kase], oneof.case, oneofName);
}

/**
 * Returns the oneof's value for case `kase` or throws, the expression form of
 * `assertCase` for `const chunk = requireCase(frame.payload, "content")`.
 *
 * @param oneofName names the oneof in the error message, e.g. `"AgentResponse.payload"`.
 * @throws OneofCaseError naming the expected and the actual case.
 */
export function requireCase<T extends Oneof, K extends OneofCase<T>>(
  oneof: T,
  kase: K,
  oneofName?: string,
): OneofValue<T, K> {
  if (oneof.case !== kase) throw new OneofCaseError([kase], oneof.case, oneofName);
  return oneof.value as OneofValue<T, K>;
}
