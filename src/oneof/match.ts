import { OneofCaseError } from "./errors.js";
import type { Oneof, OneofCase, OneofValue } from "./types.js";

/** One handler per case of the oneof `T`, each given the value of its case. */
export type OneofHandlers<T extends Oneof> = {
  readonly [K in OneofCase<T>]: (value: OneofValue<T, K>) => unknown;
};

/** Handlers for some cases of the oneof `T`, for callers that care about only a few. */
export type PartialOneofHandlers<T extends Oneof> = Partial<OneofHandlers<T>>;

/**
 * Maps every key of `H` that is not one of `Cases` to `never`, so a
 * misspelled or foreign handler name is a compile error at that key.
 */
export type NoExtraHandlers<H, Cases> = {
  readonly [P in keyof H]: P extends Cases ? unknown : never;
};

/** The union of the return types of the handlers in `H`. */
export type OneofHandlersResult<H> = {
  [K in keyof H]-?: NonNullable<H[K]> extends (...args: never[]) => infer R ? R : never;
}[keyof H];

/** The oneof `T` without the members whose case has a handler in `H`: what a fallback receives. */
export type UnhandledOneof<T extends Oneof, H> = Exclude<T, { case: keyof H }>;

type HandlerTable = Record<string, ((value: unknown) => unknown) | undefined>;

/**
 * Calls the handler for the oneof's case with its value, or `unset` when no
 * case is set (which is also how protobuf-es presents a case this schema
 * does not know); the handlers must cover every case, so a new field in the
 * oneof breaks the build until it is handled.
 *
 * @throws OneofCaseError when the oneof holds a case with no handler, which
 * only happens when the static types were bypassed.
 */
export function match<
  T extends Oneof,
  H extends OneofHandlers<T> & NoExtraHandlers<H, OneofCase<T>>,
  U,
>(oneof: T, handlers: H, unset: () => U): OneofHandlersResult<H> | U {
  const c = oneof.case;
  if (c === undefined) return unset();
  const handler = (handlers as unknown as HandlerTable)[c];
  if (handler === undefined) throw new OneofCaseError(Object.keys(handlers), c);
  return handler.call(handlers, oneof.value) as OneofHandlersResult<H>;
}

/**
 * Calls the handler for the oneof's case when one is given, otherwise
 * `fallback` with the oneof itself (typed as the cases left unhandled, unset
 * included), for code that cares about a few cases only.
 */
export function matchPartial<
  T extends Oneof,
  H extends PartialOneofHandlers<T> & NoExtraHandlers<H, OneofCase<T>>,
  U,
>(oneof: T, handlers: H, fallback: (oneof: UnhandledOneof<T, H>) => U): OneofHandlersResult<H> | U {
  const c = oneof.case;
  if (c !== undefined) {
    const handler = (handlers as unknown as HandlerTable)[c];
    if (handler !== undefined) return handler.call(handlers, oneof.value) as OneofHandlersResult<H>;
  }
  return fallback(oneof as UnhandledOneof<T, H>);
}
