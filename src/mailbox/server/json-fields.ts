/**
 * Reading the fields of a JSON request body by their wire names: each reader
 * checks the JSON type and names the field when it is wrong. What the values
 * mean (id lengths, recipient counts, sizes) is the core's to check.
 *
 * @module
 */
import type { HandoffOptions, JsonObject, JsonValue } from "../core/mailbox-types.js";
import { badField } from "./http-status.js";

/** A required non-empty string field. */
export function requiredString(body: JsonObject, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw badField(`${name} is required`);
  if (typeof value !== "string") throw badField(`${name} must be a string`);
  if (value === "") throw badField(`${name} must not be empty`);
  return value;
}

/** An optional string field (`null` counts as absent). */
export function optionalString(body: JsonObject, name: string, label = name): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badField(`${label} must be a string`);
  return value;
}

/** An optional list of agent ids (`null` counts as absent). */
export function optionalIdList(body: JsonObject, name: string, label = name): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badField(`${label} must be an array of strings`);
  return value.map((item, i) => {
    if (typeof item !== "string") throw badField(`${label}[${i}] must be a string`);
    return item;
  });
}

/** The `to` of a send: one agent id (the AgentMailbox shape) or a list of them. */
export function recipients(body: JsonObject, name: string): string[] {
  const value = body[name];
  if (value === undefined || value === null) throw badField(`${name} is required`);
  if (typeof value === "string") {
    if (value === "") throw badField(`${name} must not be empty`);
    return [value];
  }
  if (Array.isArray(value)) return optionalIdList(body, name) ?? [];
  throw badField(`${name} must be an agent id or an array of agent ids`);
}

/** An optional JSON object field (`null` counts as absent). */
export function optionalObject(body: JsonObject, name: string): JsonObject | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw badField(`${name} must be an object`);
  return value;
}

/** The payload: any JSON value, `null` when absent. */
export function payloadOf(body: JsonObject): JsonValue {
  return body.payload ?? null;
}

/** The optional `handoff` options of a send or reply-all. */
export function handoffOf(body: JsonObject): HandoffOptions | undefined {
  const raw = optionalObject(body, "handoff");
  if (raw === undefined) return undefined;
  const out: HandoffOptions = {};
  const goal = optionalString(raw, "goal", "handoff.goal");
  const nextAction = optionalString(raw, "nextAction", "handoff.nextAction");
  const includeFields = optionalIdList(raw, "includeFields", "handoff.includeFields");
  const max = raw.maxContextBytes;
  if (goal !== undefined) out.goal = goal;
  if (nextAction !== undefined) out.nextAction = nextAction;
  if (includeFields !== undefined) out.includeFields = includeFields;
  if (max !== undefined && max !== null) {
    if (typeof max !== "number" || !Number.isInteger(max))
      throw badField("handoff.maxContextBytes must be an integer");
    out.maxContextBytes = max;
  }
  return out;
}

/** A lenient integer query parameter, as the existing server reads them: default when absent or not a number, then clamped. */
export function queryInt(raw: string | null, fallback: number, min: number, max: number): number {
  const n = raw === null || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.trunc(Math.min(Math.max(min, n), max));
}

/** A delivery sequence from a query parameter or header: a non-negative integer, else 400 naming it. */
export function sequenceOf(raw: string, name: string): bigint {
  if (!/^\d{1,19}$/.test(raw.trim()))
    throw badField(`${name} must be a delivery sequence (an integer of 0 or more)`);
  return BigInt(raw.trim());
}
