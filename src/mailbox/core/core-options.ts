/**
 * Options of the mailbox core: the store, the summariser hook and the limits,
 * resolved and checked in one place.
 *
 * @module
 */
import type { MailboxStore } from "../store/mailbox-store.js";
import { invalidArgument } from "./mailbox-errors.js";
import type { JsonObject, MailMessage, ThreadSummary } from "./mailbox-types.js";

/** What a summariser is given: the older messages not yet covered, and the summary so far. */
export interface SummarizeInput {
  /** The thread. */
  threadId: string;
  /** The messages to fold in, oldest first, without bcc (a summary is shared by every reader). */
  messages: MailMessage[];
  /** The previous summary, covering the messages before `messages`; undefined for the first. */
  previous: ThreadSummary | undefined;
  /** Aborts when the answer that needs the summary is abandoned. */
  signal: AbortSignal | undefined;
}

/** What a summariser answers; the core adds `coversMessageIds` and `generatedAt`. */
export interface SummarizeResult {
  /** The summary as text (it also leads the context's `threadSummary`). */
  text: string;
  /** Decisions taken so far (default: the previous summary's). */
  decisions?: string[];
  /** Questions still open (default: the previous summary's). */
  openQuestions?: string[];
  /** Named artifacts (default: the previous summary's). */
  artifacts?: JsonObject;
}

/** A pluggable summariser of a thread's older messages (e.g. an LLM call). */
export type Summarizer = (input: SummarizeInput) => Promise<SummarizeResult>;

/** Options of `createMailboxCore`. */
export interface MailboxCoreOptions {
  /** Where the mailbox lives. */
  store: MailboxStore;
  /**
   * Summarises older messages into the structured summary; without it, the
   * plain one-line-per-message summary is used. If it fails, that plain summary
   * is answered (and not saved, so a later read tries again).
   */
  summarize?: Summarizer;
  /** The largest payload plus snapshot, in JSON bytes; 1 MiB by default. */
  maxPayloadBytes?: number;
  /** The longest agent id, in characters; 256 by default. */
  maxAgentIdLength?: number;
  /** The most recipients (to + cc + bcc) of one message; 100 by default. */
  maxRecipients?: number;
  /** The token budget of the plain summary of older messages (tokens ≈ characters / 4); 1000 by default. */
  summaryTokenBudget?: number;
  /** From how many uncovered older messages on a structured summary is made; 20 by default. */
  structuredSummaryThreshold?: number;
  /** How many built contexts are kept across answers (0: none); 1000 by default. */
  contextCacheEntries?: number;
  /**
   * About how many bytes of unread answers are kept across calls (estimated
   * from their payloads and contexts), each reused while the store's version
   * of the reader's unread mail is unchanged (0: none); 32 MiB by default.
   */
  unreadCacheBytes?: number;
}

/** The options with every default filled in. */
export type ResolvedMailboxCoreOptions = Required<Omit<MailboxCoreOptions, "summarize">> &
  Pick<MailboxCoreOptions, "summarize">;

function positiveInteger(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw invalidArgument(`${name}: must be an integer of at least ${min}, got ${String(value)}`);
  return value;
}

/** Checks the options (a bad one throws `invalid_argument` naming it) and fills in the defaults. */
export function resolveMailboxCoreOptions(options: MailboxCoreOptions): ResolvedMailboxCoreOptions {
  const { store, summarize } = options;
  if (typeof store !== "object" || store === null || typeof store.appendMessage !== "function")
    throw invalidArgument("store: a MailboxStore is required");
  if (summarize !== undefined && typeof summarize !== "function")
    throw invalidArgument("summarize: must be a function");
  return {
    store,
    summarize,
    maxPayloadBytes: positiveInteger("maxPayloadBytes", options.maxPayloadBytes, 1024 * 1024),
    maxAgentIdLength: positiveInteger("maxAgentIdLength", options.maxAgentIdLength, 256),
    maxRecipients: positiveInteger("maxRecipients", options.maxRecipients, 100),
    summaryTokenBudget: positiveInteger("summaryTokenBudget", options.summaryTokenBudget, 1000, 16),
    structuredSummaryThreshold: positiveInteger(
      "structuredSummaryThreshold",
      options.structuredSummaryThreshold,
      20,
    ),
    contextCacheEntries: positiveInteger(
      "contextCacheEntries",
      options.contextCacheEntries,
      1000,
      0,
    ),
    unreadCacheBytes: positiveInteger(
      "unreadCacheBytes",
      options.unreadCacheBytes,
      32 * 1024 * 1024,
      0,
    ),
  };
}
