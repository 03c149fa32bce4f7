/**
 * Summaries of a thread's older messages: the plain one-line-per-message
 * summary within a character budget (never empty when there are older
 * messages), and the structured summary made (and saved) once enough older
 * messages are not covered yet, by the pluggable summariser or by default from
 * the plain summary.
 *
 * @module
 */
import type { MailboxStore, StoredMessage, StoredSummary } from "../store/mailbox-store.js";
import type { SummarizeResult, Summarizer } from "./core-options.js";
import type { JsonObject, JsonValue, ThreadSummary } from "./mailbox-types.js";
import { publicView } from "./views.js";

// Stored messages never change and the store keeps them parsed, so their
// texts are made once per message object, not once per context.
const payloadTexts = new WeakMap<object, string>();
const summaryLines = new WeakMap<StoredMessage, string>();

/** A payload as summary text: strings raw, null empty, anything else as JSON. */
export function payloadText(payload: JsonValue): string {
  if (payload === null) return "";
  if (typeof payload === "string") return payload;
  if (typeof payload !== "object") return JSON.stringify(payload);
  let text = payloadTexts.get(payload);
  if (text === undefined) {
    text = JSON.stringify(payload);
    payloadTexts.set(payload, text);
  }
  return text;
}

/** One summary line: `[ISO time] from → to: payload`. */
export function summaryLine(m: StoredMessage): string {
  let line = summaryLines.get(m);
  if (line === undefined) {
    line = `[${new Date(m.timestamp).toISOString()}] ${m.from} → ${m.to.join(",")}: ${payloadText(m.payload)}`;
    summaryLines.set(m, line);
  }
  return line;
}

/**
 * The plain summary: the newest of `newestFirst` that fit in `budgetChars`,
 * oldest first, one line each, after a line that counts the `total - shown`
 * older messages left out. Never empty when `newestFirst` is not: a first line
 * too long for the budget is cut.
 */
export function plainSummary(
  newestFirst: readonly StoredMessage[],
  total: number,
  budgetChars: number,
): string {
  const lines: string[] = [];
  let used = 0;
  for (const m of newestFirst) {
    const line = summaryLine(m);
    const cost = line.length + (lines.length > 0 ? 1 : 0);
    if (used + cost > budgetChars) {
      if (lines.length === 0) lines.push(`${line.slice(0, Math.max(1, budgetChars - 1))}…`);
      break;
    }
    lines.push(line);
    used += cost;
  }
  const header = (omitted: number) =>
    `[${omitted} earlier message${omitted === 1 ? "" : "s"} not shown]`;
  // Make room for the header line by dropping the oldest lines shown.
  while (lines.length > 1 && total > lines.length) {
    const h = header(total - lines.length);
    if (used + h.length + 1 <= budgetChars) break;
    used -= (lines.pop()?.length ?? 0) + 1;
  }
  lines.reverse();
  if (total > lines.length && lines.length > 0) lines.unshift(header(total - lines.length));
  return lines.join("\n");
}

/** What making a structured summary needs. */
export interface StructuredSummaryDeps {
  store: MailboxStore;
  summarize: Summarizer | undefined;
  threshold: number;
  budgetChars: number;
  /** Summaries being made, so that concurrent readers make each once. */
  inflight: Map<string, Promise<ThreadSummary>>;
  /**
   * The newest summary saved per thread by this core (a bounded map): a reader
   * whose snapshot predates that save takes it instead of summarising again.
   */
  made: Map<string, StoredSummary>;
  /** Summaries answered but not saved (the summariser failed): not to be cached. */
  provisional: WeakSet<ThreadSummary>;
}

function isResult(r: unknown): r is SummarizeResult {
  return typeof r === "object" && r !== null && typeof (r as SummarizeResult).text === "string";
}

async function makeSummary(
  deps: StructuredSummaryDeps,
  threadId: string,
  olderCount: number,
  saved: StoredSummary | undefined,
  signal: AbortSignal | undefined,
): Promise<ThreadSummary> {
  const from = (saved?.coversCount ?? 0) + 1;
  const chunk = await deps.store.threadMessages(threadId, from, olderCount);
  const previous = saved?.summary;
  let result: SummarizeResult | undefined;
  if (deps.summarize) {
    try {
      const r = await deps.summarize({
        threadId,
        messages: chunk.map(publicView),
        previous,
        signal,
      });
      if (isResult(r)) result = r;
    } catch {
      // Answer the plain summary and do not save it: a later read tries the summariser again.
    }
  }
  const summary: ThreadSummary = {
    text: result?.text ?? plainSummary([...chunk].reverse(), olderCount, deps.budgetChars),
    decisions: result?.decisions ?? previous?.decisions ?? [],
    openQuestions: result?.openQuestions ?? previous?.openQuestions ?? [],
    artifacts: (result?.artifacts ?? previous?.artifacts ?? {}) as JsonObject,
    coversMessageIds: [...(previous?.coversMessageIds ?? []), ...chunk.map((m) => m.id)],
    generatedAt: Date.now(),
  };
  if (result !== undefined || deps.summarize === undefined) {
    await deps.store.saveSummary(threadId, { coversCount: olderCount, summary });
    remember(deps.made, threadId, { coversCount: olderCount, summary });
  } else deps.provisional.add(summary);
  return summary;
}

/** How many threads' newest summaries a core remembers. */
const madeEntries = 1000;

function remember(made: Map<string, StoredSummary>, threadId: string, entry: StoredSummary): void {
  const old = made.get(threadId);
  if (old && old.coversCount >= entry.coversCount) return;
  made.delete(threadId);
  made.set(threadId, entry);
  if (made.size > madeEntries) made.delete(made.keys().next().value as string);
}

/**
 * The thread's structured summary for a context whose older messages are the
 * first `olderCount`: a new one covering all of them when at least `threshold`
 * are not covered by the saved one, else the saved one (if any).
 */
export function structuredSummary(
  deps: StructuredSummaryDeps,
  threadId: string,
  olderCount: number,
  saved: StoredSummary | undefined,
  signal: AbortSignal | undefined,
): Promise<ThreadSummary | undefined> | ThreadSummary | undefined {
  const made = deps.made.get(threadId);
  // A summary this core saved after the caller's snapshot was read covers more:
  // take it (when it covers no more than this context's older messages).
  if (made && made.coversCount <= olderCount && made.coversCount > (saved?.coversCount ?? 0))
    saved = made;
  const covered = saved?.coversCount ?? 0;
  if (olderCount - covered < deps.threshold) return saved?.summary;
  const key = `${threadId}\u0000${olderCount}`;
  let p = deps.inflight.get(key);
  if (!p) {
    p = makeSummary(deps, threadId, olderCount, saved, signal).finally(() =>
      deps.inflight.delete(key),
    );
    deps.inflight.set(key, p);
  }
  return p;
}
