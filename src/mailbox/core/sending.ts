/**
 * Sending: validation of a send or reply-all, the recipients and their roles
 * (spec semantics 3 and 5), the stored snapshot or handoff packet, decided
 * inside the store's transaction on the thread as it is, then the wake of the
 * recipients' watchers once the send committed.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type {
  AppendMessageInput,
  ComposedMessage,
  MailboxStore,
  ResolvedThread,
} from "../store/mailbox-store.js";
import type { ResolvedMailboxCoreOptions } from "./core-options.js";
import { buildHandoffPacket } from "./handoff.js";
import { invalidArgument, notFound } from "./mailbox-errors.js";
import type {
  HandoffOptions,
  JsonObject,
  MailRole,
  ReplyAllInput,
  SendInput,
  SendResult,
} from "./mailbox-types.js";
import {
  checkAgentId,
  checkAgentList,
  checkHandoff,
  checkId,
  checkOptionalId,
  checkPayloadSize,
  checkRecipientCount,
  checkSnapshot,
  toJsonText,
} from "./validation.js";

/** The distinct recipients of a message without the sender, to then cc then bcc, with the role each gets. */
function deliveredTo(from: string, to: string[], cc: string[], bcc: string[]) {
  const out: { agentId: string; role: MailRole }[] = [];
  const seen = new Set([from]);
  const add = (list: string[], role: MailRole) => {
    for (const a of list) {
      if (seen.has(a)) continue;
      seen.add(a);
      out.push({ agentId: a, role });
    }
  };
  add(to, "to");
  add(cc, "cc");
  add(bcc, "bcc");
  return out;
}

/** The two ways of sending. */
export interface Sending {
  /** Validates and stores a send (spec semantics 1-3, 10). */
  send(input: SendInput): Promise<SendResult>;
  /** Validates and stores a reply-all (spec semantics 5, 10). */
  replyAll(input: ReplyAllInput): Promise<SendResult>;
}

/** Creates the sending half of the core; `notify` wakes the recipients after each commit. */
export function createSending(
  store: MailboxStore,
  opts: ResolvedMailboxCoreOptions,
  notify: (agentIds: string[]) => void,
): Sending {
  /** Stores a composed message and wakes its recipients' watchers. */
  const append = async (
    input: Omit<AppendMessageInput, "timestamp" | "messageId">,
  ): Promise<SendResult> => {
    const messageId = randomUUID();
    const timestamp = Date.now();
    let composed: ComposedMessage | undefined;
    const r = await store.appendMessage({
      ...input,
      messageId,
      timestamp,
      compose: (t) => {
        composed = input.compose(t);
        return composed;
      },
    });
    const recipients = composed?.deliveredTo.map((d) => d.agentId) ?? [];
    notify(recipients);
    return {
      messageId,
      threadId: r.threadId,
      deliveredTo: recipients,
      timestamp,
      deliveries: r.deliveries,
    };
  };

  /** The stored snapshot: the given one, or a handoff packet built from the resolved thread. */
  const snapshotFor = (
    t: ResolvedThread,
    snapshot: JsonObject | undefined,
    snapshotJson: string,
    handoff: HandoffOptions | undefined,
    payloadJson: string,
  ): string => {
    if (!handoff) return snapshotJson;
    const packet = buildHandoffPacket({
      options: handoff,
      snapshot,
      latest: t.latest,
      summary: t.summary?.summary,
      threadId: t.id,
      now: Date.now(),
    });
    const json = JSON.stringify(packet);
    checkPayloadSize(payloadJson, json, opts);
    return json;
  };

  return {
    async send(input) {
      const from = checkAgentId("from", input.from, opts);
      const to =
        typeof input.to === "string"
          ? [checkAgentId("to", input.to, opts)]
          : checkAgentList("to", input.to, opts);
      const cc = checkAgentList("cc", input.cc, opts);
      const bcc = checkAgentList("bcc", input.bcc, opts);
      const threadId = checkOptionalId("threadId", input.threadId);
      const replyTo = checkOptionalId("replyTo", input.replyTo);
      checkRecipientCount(to.length + cc.length + bcc.length, opts);
      if (to.length === 0 && (threadId === undefined || cc.length === 0))
        throw invalidArgument("to: at least one recipient is required");
      const snapshot = checkSnapshot(input.contextSnapshot);
      const handoff = checkHandoff(input.handoff);
      const payloadJson = toJsonText("payload", input.payload, "null");
      const snapshotJson = toJsonText("contextSnapshot", snapshot, "{}");
      checkPayloadSize(payloadJson, snapshotJson, opts);
      const targets = deliveredTo(from, to, cc, bcc);
      return append({
        from,
        threadId,
        visibleSet: threadId === undefined ? [...new Set([from, ...to, ...cc])].sort() : undefined,
        replyTo,
        payloadJson,
        wantLatest: handoff !== undefined,
        compose: (t) => {
          if (threadId !== undefined && !t.senderIsMember)
            throw notFound(`threadId: thread ${threadId} not found`);
          return {
            to,
            cc,
            bcc,
            deliveredTo: targets,
            snapshotJson: snapshotFor(t, snapshot, snapshotJson, handoff, payloadJson),
          };
        },
      });
    },

    async replyAll(input) {
      const from = checkAgentId("from", input.from, opts);
      const threadId = checkId("threadId", input.threadId);
      const snapshot = checkSnapshot(input.contextSnapshot);
      const handoff = checkHandoff(input.handoff);
      const payloadJson = toJsonText("payload", input.payload, "null");
      const snapshotJson = toJsonText("contextSnapshot", snapshot, "{}");
      checkPayloadSize(payloadJson, snapshotJson, opts);
      return append({
        from,
        threadId,
        payloadJson,
        wantLatest: handoff !== undefined,
        compose: (t) => {
          if (!t.senderIsMember) throw notFound(`threadId: thread ${threadId} not found`);
          const others = t.participants.filter((p) => p !== from);
          const [first, ...rest] = others;
          if (first === undefined)
            throw invalidArgument("threadId: the thread has no other visible participant");
          checkRecipientCount(others.length, opts);
          return {
            to: [first],
            cc: rest,
            bcc: [],
            deliveredTo: deliveredTo(from, [first], rest, []),
            snapshotJson: snapshotFor(t, snapshot, snapshotJson, handoff, payloadJson),
          };
        },
      });
    },
  };
}
