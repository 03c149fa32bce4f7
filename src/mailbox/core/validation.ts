/**
 * Domain validation shared by every way in: agent ids, recipient lists, JSON
 * payloads and their size, handoff options, and the clamped paging numbers.
 * Every refusal names the field (`to[3]: ...`) and happens before anything is
 * stored.
 *
 * @module
 */
import type { ResolvedMailboxCoreOptions } from "./core-options.js";
import { invalidArgument, tooLarge } from "./mailbox-errors.js";
import type { HandoffOptions, JsonObject, JsonValue } from "./mailbox-types.js";

/** The limits validation applies. */
export type Limits = Pick<
  ResolvedMailboxCoreOptions,
  "maxAgentIdLength" | "maxPayloadBytes" | "maxRecipients"
>;

/** The longest thread or message id accepted. */
const maxIdLength = 256;

/** A lone UTF-16 surrogate: a string holding one has no UTF-8 form, so a store would change it. */
const loneSurrogate = /\p{Cs}/u;

/** Refuses what no store keeps as given: a NUL character, or a lone surrogate. */
function checkStorable(field: string, what: string, value: string): string {
  if (value.includes("\0")) throw invalidArgument(`${field}: ${what} contains a NUL character`);
  if (loneSurrogate.test(value))
    throw invalidArgument(`${field}: ${what} is not well-formed Unicode (a lone surrogate)`);
  return value;
}

/** Checks an agent id: a non-empty string of at most `maxAgentIdLength` characters, storable as UTF-8. */
export function checkAgentId(field: string, value: unknown, limits: Limits): string {
  if (typeof value !== "string") throw invalidArgument(`${field}: an agent id string is required`);
  if (value === "") throw invalidArgument(`${field}: agent id is empty`);
  if (value.length > limits.maxAgentIdLength)
    throw invalidArgument(
      `${field}: agent id longer than ${limits.maxAgentIdLength} characters (${value.length})`,
    );
  return checkStorable(field, "agent id", value);
}

/** Checks an optional list of agent ids. */
export function checkAgentList(field: string, value: unknown, limits: Limits): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidArgument(`${field}: must be a list of agent ids`);
  return value.map((v, i) => checkAgentId(`${field}[${i}]`, v, limits));
}

/** Checks a thread or message id: a non-empty string of at most 256 characters, storable as UTF-8. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "")
    throw invalidArgument(`${field}: a non-empty id string is required`);
  if (value.length > maxIdLength)
    throw invalidArgument(`${field}: id longer than ${maxIdLength} characters`);
  return checkStorable(field, "id", value);
}

/** Checks an optional id (undefined, or a valid id). */
export function checkOptionalId(field: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : checkId(field, value);
}

/** Checks that the recipients of one message are within `maxRecipients`. */
export function checkRecipientCount(count: number, limits: Limits): void {
  if (count > limits.maxRecipients)
    throw tooLarge(`to, cc, bcc: ${count} recipients, at most ${limits.maxRecipients}`);
}

/** Serialises a JSON value, refusing what is not JSON (bigint, cycles, functions). */
export function toJsonText(field: string, value: JsonValue | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw invalidArgument(`${field}: not a JSON value (${(error as Error).message})`);
  }
  if (text === undefined) throw invalidArgument(`${field}: not a JSON value`);
  return text;
}

/** Checks that a snapshot is a JSON object (not an array, not null). */
export function checkSnapshot(value: unknown): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidArgument("contextSnapshot: must be a JSON object");
  return value as JsonObject;
}

/** Checks that payload plus snapshot JSON fit in `maxPayloadBytes`. */
export function checkPayloadSize(payloadJson: string, snapshotJson: string, limits: Limits): void {
  const bytes = Buffer.byteLength(payloadJson) + Buffer.byteLength(snapshotJson);
  if (bytes > limits.maxPayloadBytes)
    throw tooLarge(
      `payload, contextSnapshot: ${bytes} bytes of JSON, at most ${limits.maxPayloadBytes}`,
    );
}

/** Checks handoff options; undefined stays undefined. */
export function checkHandoff(value: unknown): HandoffOptions | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidArgument("handoff: must be an object");
  const h = value as Record<string, unknown>;
  const out: HandoffOptions = {};
  for (const key of ["goal", "nextAction"] as const) {
    const v = h[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || v === "")
      throw invalidArgument(`handoff.${key}: must be a non-empty string`);
    out[key] = v;
  }
  if (h.includeFields !== undefined && h.includeFields !== null) {
    if (!Array.isArray(h.includeFields))
      throw invalidArgument("handoff.includeFields: must be a list of strings");
    out.includeFields = h.includeFields.map((f, i) => {
      if (typeof f !== "string" || f === "")
        throw invalidArgument(`handoff.includeFields[${i}]: must be a non-empty string`);
      return f;
    });
  }
  if (h.maxContextBytes !== undefined && h.maxContextBytes !== null) {
    const m = h.maxContextBytes;
    if (typeof m !== "number" || !Number.isInteger(m) || m < 256 || m > 1_000_000)
      throw invalidArgument(
        `handoff.maxContextBytes: must be an integer from 256 to 1000000, got ${String(m)}`,
      );
    out.maxContextBytes = m;
  }
  return out;
}

/** How many recent messages a context carries: 10 by default, clamped to 1..50. */
export function clampRecent(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 10;
  return Math.min(50, Math.max(1, Math.trunc(value)));
}

/** A mailbox page size: 100 by default, clamped to 1..1000. */
export function clampLimit(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 100;
  return Math.min(1000, Math.max(1, Math.trunc(value)));
}

/** A mailbox page offset: 0 by default, never negative. */
export function clampOffset(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 0;
  return Math.max(0, Math.trunc(value));
}

/** Checks a delivery sequence given by a caller: a non-negative bigint. */
export function checkSeq(field: string, value: unknown): bigint {
  if (typeof value !== "bigint" || value < 0n)
    throw invalidArgument(`${field}: must be a non-negative sequence number`);
  return value;
}
