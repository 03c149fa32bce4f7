/**
 * The handoff packet of spec semantics 10: it replaces a send's stored
 * snapshot so the receiver gets the goal, the next action, the useful part of
 * the context within a byte budget, and what the thread summary knows.
 *
 * @module
 */
import type { StoredMessage } from "../store/mailbox-store.js";
import type { HandoffOptions, JsonObject, JsonValue, ThreadSummary } from "./mailbox-types.js";

/** The default and smallest `maxContextBytes`. */
export const defaultMaxContextBytes = 16_000;

/** What a handoff packet is built from. */
export interface HandoffInput {
  /** The send's handoff options. */
  options: HandoffOptions;
  /** The snapshot given with the send, if any. */
  snapshot: JsonObject | undefined;
  /** The thread's latest message before the send, if any. */
  latest: StoredMessage | undefined;
  /** The thread's structured summary, if any. */
  summary: ThreadSummary | undefined;
  /** The thread the send goes into. */
  threadId: string;
  /** When the packet is made, in epoch milliseconds. */
  now: number;
}

function nonEmptyText(v: JsonValue | undefined): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** The goal: the option's, else the latest payload's `goal` or `task` when a non-empty string. */
function goalOf(input: HandoffInput): string | undefined {
  if (input.options.goal) return input.options.goal;
  const p = input.latest?.payload;
  if (typeof p !== "object" || p === null || Array.isArray(p)) return undefined;
  return nonEmptyText(p.goal) ?? nonEmptyText(p.task);
}

/**
 * The snapshot's keys that do not start with `_`, are not `handoff`, are in
 * `includeFields` when given, and fit (value JSON bytes, in key order,
 * skipping what would overflow) in `maxContextBytes`.
 */
function selectContext(snapshot: JsonObject, options: HandoffOptions): JsonObject {
  const wanted = options.includeFields ? new Set(options.includeFields) : undefined;
  const max = options.maxContextBytes ?? defaultMaxContextBytes;
  const out: JsonObject = {};
  let used = 0;
  for (const [key, value] of Object.entries(snapshot)) {
    if (key.startsWith("_") || key === "handoff") continue;
    if (wanted && !wanted.has(key)) continue;
    const size = Buffer.byteLength(JSON.stringify(value) ?? "null");
    if (used + size > max) continue;
    out[key] = value;
    used += size;
  }
  return out;
}

/** Builds the handoff packet, keys in the documented order. */
export function buildHandoffPacket(input: HandoffInput): JsonObject {
  const packet: JsonObject = { version: 1 };
  const goal = goalOf(input);
  if (goal !== undefined) packet.goal = goal;
  if (input.options.nextAction) packet.nextAction = input.options.nextAction;
  packet.context = selectContext(
    input.snapshot ?? input.latest?.contextSnapshot ?? {},
    input.options,
  );
  packet.decisions = [...(input.summary?.decisions ?? [])];
  packet.openQuestions = [...(input.summary?.openQuestions ?? [])];
  packet.artifacts = { ...(input.summary?.artifacts ?? {}) };
  packet.sourceThreadId = input.threadId;
  packet.generatedAt = input.now;
  return packet;
}
