/**
 * The thread context of spec semantics 7: the recent messages as the reader
 * may see them, the snapshot of the latest message, the summary of the older
 * ones (plain, or led by the structured summary's text when a summariser is
 * plugged in), the structured summary, and the token estimate. Contexts of
 * several threads come from one store call and are built once per thread.
 *
 * @module
 */
import type { ThreadContextRecord } from "../store/mailbox-store.js";
import type { MailContext, ThreadSummary } from "./mailbox-types.js";
import {
  payloadText,
  plainSummary,
  type StructuredSummaryDeps,
  structuredSummary,
} from "./summary.js";
import { messageView } from "./views.js";

/** Characters per token of the estimate. */
const charsPerToken = 4;

/** How many older messages the plain summary can show at most within a character budget. */
export function olderLimitFor(budgetChars: number): number {
  // A summary line is never shorter than its ISO time and arrow (about 32 characters).
  return Math.ceil(budgetChars / 32) + 1;
}

/** The `threadSummary` text of a context. */
function summaryText(
  rec: ThreadContextRecord,
  olderCount: number,
  structured: ThreadSummary | undefined,
  pluggedIn: boolean,
  budgetChars: number,
): string {
  if (olderCount === 0) return "";
  const lead = pluggedIn && structured !== undefined ? structured.text : "";
  if (lead === "") return plainSummary(rec.olderNewestFirst, olderCount, budgetChars);
  const covered = structured?.coversMessageIds.length ?? 0;
  const rest = rec.olderNewestFirst.filter((m) => m.index > covered);
  const left = budgetChars - lead.length - 1;
  if (rest.length === 0 || left < 32) return lead;
  return `${lead}\n${plainSummary(rest, olderCount - covered, left)}`;
}

/** Builds one thread's context for `reader` from what the store gave. */
export async function buildContext(
  deps: StructuredSummaryDeps,
  rec: ThreadContextRecord,
  reader: string,
  signal: AbortSignal | undefined,
): Promise<MailContext> {
  const olderCount = rec.thread.messageCount - rec.recent.length;
  const structured =
    olderCount > 0
      ? await structuredSummary(deps, rec.thread.id, olderCount, rec.summary, signal)
      : undefined;
  const threadSummary = summaryText(
    rec,
    olderCount,
    structured,
    deps.summarize !== undefined,
    deps.budgetChars,
  );
  const recentText = rec.recent.map((m) => payloadText(m.payload)).join("\n");
  const context = {
    snapshot: rec.recent.at(-1)?.contextSnapshot ?? {},
    threadSummary,
  } as MailContext;
  if (structured !== undefined) context.threadSummaryStructured = structured;
  context.recentMessages = rec.recent.map((m) => messageView(m, reader));
  context.tokenCount = Math.ceil((threadSummary.length + 1 + recentText.length) / charsPerToken);
  return context;
}

/** Builds the contexts of `records` for `reader`, one per thread. */
export async function buildContexts(
  deps: StructuredSummaryDeps,
  records: Map<string, ThreadContextRecord>,
  reader: string,
  signal: AbortSignal | undefined,
): Promise<Map<string, MailContext>> {
  const out = new Map<string, MailContext>();
  for (const [id, rec] of records) out.set(id, await buildContext(deps, rec, reader, signal));
  return out;
}
