/**
 * Thrown when a oneof holds a different case than the code required, so the
 * caller learns which cases were acceptable and which one actually arrived.
 */
export class OneofCaseError extends Error {
  override name = "OneofCaseError";

  /** The case names that would have been accepted. */
  readonly expected: readonly string[];

  /** The case the oneof actually held, or `undefined` when nothing was set. */
  readonly actual: string | undefined;

  /** The oneof's name (e.g. `"AgentResponse.payload"`) when the caller gave one, for the message. */
  readonly oneofName: string | undefined;

  /** Builds the error and its message from the accepted cases, the actual case and an optional oneof name. */
  constructor(expected: readonly string[], actual: string | undefined, oneofName?: string) {
    const want =
      expected.length === 0 ? "no case" : expected.map((c) => JSON.stringify(c)).join(" or ");
    const got = actual === undefined ? "nothing set" : JSON.stringify(actual);
    super(`${oneofName ?? "oneof"}: expected case ${want}, got ${got}`);
    this.expected = expected;
    this.actual = actual;
    this.oneofName = oneofName;
  }
}
