/**
 * The PostgreSQL send transaction (READ COMMITTED, one per send), in two
 * round trips: `BEGIN; SELECT mailbox_resolve_thread(…)` finds or creates the
 * thread and locks it; `compose` decides the recipients in JavaScript;
 * `SELECT mailbox_write_send(…); COMMIT` writes everything, assigns the
 * sequences and commits (the functions are in `postgres-schema.ts`). Both
 * travel as simple queries with quoted literals, since only those carry
 * several statements. (`mailbox_write_send_json`, the same call with its
 * arguments in one jsonb, stays in the schema for servers of an older
 * release sharing the database.)
 *
 * The recipients' counter rows are locked in sorted order and held until
 * commit, so a second send to the same recipient gets the next number only
 * after the first committed: per recipient, sequences are gap-free and in
 * commit order. The thread row lock does the same for the message's position
 * in the thread, and the advisory lock on a participant set keeps two servers
 * from creating two threads for one new set. The NOTIFY is queued inside the
 * transaction, so PostgreSQL delivers it only when the send commits.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { notFound } from "../core/mailbox-errors.js";
import type {
  AppendMessageInput,
  AppendMessageResult,
  ResolvedThread,
  StoredMessage,
  StoredSummary,
} from "./mailbox-store.js";
import {
  messageColumns,
  type PgMessageRow,
  type Queryable,
  rowsOf,
  sqlLiterals,
  toStoredMessage,
} from "./postgres-rows.js";
import type { PgSession } from "./postgres-transaction.js";
import { memberRoles, participantsAfter, roleRank, sortedUnion } from "./send-bookkeeping.js";

/** The largest NOTIFY payload PostgreSQL takes is 8000 bytes; chunks stay well below. */
const maxNotifyBytes = 7000;

/** How the send announces its recipients to the other servers. */
export interface NotifyTarget {
  /** The LISTEN/NOTIFY channel. */
  channel: string;
  /** This store's id, so its own listener skips what this store already woke. */
  source: string;
}

/** The NOTIFY payloads announcing these recipients: JSON `{s, a}` objects under the size limit. */
export function notifyPayloads(source: string, agentIds: readonly string[]): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) out.push(JSON.stringify({ s: source, a: batch }));
    batch = [];
    bytes = 0;
  };
  for (const id of agentIds) {
    const size = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (bytes + size > maxNotifyBytes) flush();
    batch.push(id);
    bytes += size;
  }
  flush();
  return out;
}

/** The thread of a send as `mailbox_resolve_thread` answers it, locked until commit. */
interface ResolvedRow {
  id: string;
  created: boolean;
  participants: string[];
  silent: string[];
  message_count: number;
  sender_member: boolean;
}

/** Opens the transaction and finds the thread of the send, locked, or creates it; `not_found` for an unknown explicit thread. */
async function resolveThread(q: PgSession, input: AppendMessageInput): Promise<ResolvedRow> {
  const { text, int } = sqlLiterals((v) => q.escapeLiteral(v));
  const r = await q.query(
    `BEGIN; SELECT * FROM mailbox_resolve_thread(${text(input.threadId ?? null)}, ${text(
      input.threadId === undefined ? JSON.stringify(input.visibleSet ?? []) : null,
    )}, ${text(randomUUID())}, ${int(input.timestamp)}::bigint, ${text(input.from)})`,
  );
  const row = rowsOf<ResolvedRow>(r, 1)[0];
  if (!row) throw notFound(`threadId: thread ${input.threadId} not found`);
  return row;
}

/** The thread's latest message and saved summary (for a handoff). */
async function latestOf(
  q: Queryable,
  row: ResolvedRow,
): Promise<{ latest: StoredMessage | undefined; summary: StoredSummary | undefined }> {
  const m = await q.query<PgMessageRow>({
    name: "mailbox_latest_message",
    text: `SELECT ${messageColumns} FROM mailbox_messages WHERE thread_id = $1 AND n = $2`,
    values: [row.id, row.message_count],
  });
  const s = await q.query<{ covers_count: number; summary: string }>({
    name: "mailbox_summary_of",
    text: "SELECT covers_count, summary FROM mailbox_summaries WHERE thread_id = $1",
    values: [row.id],
  });
  const srow = s.rows[0];
  return {
    latest: m.rows[0] ? toStoredMessage(m.rows[0]) : undefined,
    summary: srow
      ? { coversCount: srow.covers_count, summary: JSON.parse(srow.summary) }
      : undefined,
  };
}

/** Runs the whole send transaction, BEGIN and COMMIT included, on a client of its own (the caller rolls back on failure). */
export async function appendInPgTransaction(
  q: PgSession,
  input: AppendMessageInput,
  notify: NotifyTarget,
): Promise<AppendMessageResult> {
  const row = await resolveThread(q, input);
  const threadId = row.id;
  const extras =
    input.wantLatest && row.message_count > 0
      ? await latestOf(q, row)
      : { latest: undefined, summary: undefined };
  const resolved: ResolvedThread = {
    id: threadId,
    created: row.created,
    participants: row.participants,
    silentParticipants: row.silent,
    senderIsMember: row.sender_member,
    latest: extras.latest,
    summary: extras.summary,
  };
  const composed = input.compose(resolved);
  const { to, cc, bcc } = composed;
  const n = row.message_count + 1;

  const roles = memberRoles(input.from, to, cc, bcc);
  const memberIds = [...roles.keys()];
  const after = participantsAfter(
    { participants: row.participants, silent: row.silent },
    { from: input.from, to, cc, bcc },
  );
  const visible = after.visible;
  const recipients = composed.deliveredTo.map((d) => d.agentId);

  // Every argument a quoted literal (arrays as ARRAY[...]), so the call and
  // COMMIT travel as one simple query; no JSON for PostgreSQL to parse and
  // take apart again (the jsonb wrapper cost about as much as the writes).
  const { text, texts, int } = sqlLiterals((v) => q.escapeLiteral(v));
  const call = [
    text(threadId),
    `${int(n)}::integer`,
    text(input.messageId),
    text(input.from),
    texts(to),
    texts(cc),
    texts(bcc),
    text(input.replyTo ?? null),
    text(input.payloadJson),
    text(composed.snapshotJson),
    `${int(input.timestamp)}::bigint`,
    texts(visible),
    texts(after.silent),
    text(JSON.stringify(visible)),
    texts(sortedUnion([], [input.from, ...to, ...cc, ...bcc])),
    texts(memberIds),
    `ARRAY[${memberIds.map((a) => int(roleRank[roles.get(a) ?? "to"])).join(", ")}]::smallint[]`,
    texts([...new Set(bcc.filter((a) => a !== input.from))]),
    texts(recipients),
    text(notify.channel),
    texts(notifyPayloads(notify.source, recipients)),
  ];
  q.committing();
  const seqs = {
    rows: rowsOf<{ agent_id: string; seq: bigint }>(
      await q.query(`SELECT * FROM mailbox_write_send(${call.join(", ")}); COMMIT`),
      0,
    ),
  };
  const byAgent = new Map(seqs.rows.map((r) => [r.agent_id, r.seq]));
  const deliveries = recipients.map((agentId) => {
    const seq = byAgent.get(agentId);
    if (seq === undefined) throw new Error(`no delivery sequence assigned to ${agentId}`);
    return { agentId, seq };
  });
  return { threadId, index: n, deliveries };
}
