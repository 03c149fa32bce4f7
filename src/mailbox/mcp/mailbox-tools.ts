import type { HandoffOptions, JsonObject, JsonValue } from "../client/mail-types.js";
import type { Mailbox } from "../client/mailbox-client.js";
import {
  contextText,
  messageLine,
  receiptJson,
  seqJson,
  threadListingJson,
  unreadJson,
  unreadPage,
  unreadText,
} from "./json-views.js";
import type { ArgumentSchema, ToolInputSchema } from "./tool-arguments.js";

/** What a tool answers: the structured result and a short text a model reads. */
export interface ToolOutput {
  structured: Record<string, unknown>;
  text: string;
}

/** The settings a tool runs with. */
export interface ToolSettings {
  /** Recent messages per context when the call gives no `recent`. */
  recent: number;
  /** Characters of each payload shown in the text digest. */
  previewChars: number;
}

/** Hints a client may show or act on (MCP tool annotations). */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** One mailbox tool: what `tools/list` publishes and how `tools/call` runs it. */
export interface MailboxTool {
  name: string;
  title: string;
  description: string;
  inputSchema: ToolInputSchema;
  annotations: ToolHints;
  run(
    mailbox: Mailbox,
    args: Record<string, unknown>,
    settings: ToolSettings,
    signal: AbortSignal,
  ): Promise<ToolOutput>;
}

const agentIds = (description: string, minItems = 0): ArgumentSchema => ({
  type: "array",
  items: { type: "string", minLength: 1, maxLength: 256 },
  ...(minItems > 0 && { minItems }),
  description,
});
const threadId: ArgumentSchema = {
  type: "string",
  minLength: 1,
  description: "The thread id, as a send receipt, a delivery or `threads` gives it.",
};
const recent: ArgumentSchema = {
  type: "integer",
  minimum: 1,
  maximum: 50,
  description:
    "How many of the thread's latest messages each context carries verbatim (older ones are summarized); default 3.",
};
const payload: ArgumentSchema = {
  description:
    'The message: any JSON value (a string, or an object such as {"task": "...", "deadline": "..."}).',
};
const contextSnapshot: ArgumentSchema = {
  type: "object",
  description:
    "Your current working state as a JSON object (what you know, decided and need), stored with the message so a recipient can pick up cold.",
};
const handoff: ArgumentSchema = {
  type: "object",
  description:
    'Turns the snapshot into a handoff packet: {"goal": "...", "nextAction": "...", "includeFields": ["..."], "maxContextBytes": N}.',
};

const write: ToolHints = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};
const readOnly: ToolHints = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};

const str = (v: unknown) => v as string | undefined;
const strs = (v: unknown) => v as string[] | undefined;
const int = (v: unknown) => v as number | undefined;

function replyOptions(args: Record<string, unknown>, signal: AbortSignal) {
  return {
    signal,
    ...(args.contextSnapshot !== undefined && {
      contextSnapshot: args.contextSnapshot as JsonObject,
    }),
    ...(args.handoff !== undefined && { handoff: args.handoff as HandoffOptions }),
  };
}

function sentText(verb: string, r: ReturnType<typeof receiptJson>): string {
  const to = (r.deliveredTo as string[]).join(", ") || "nobody else";
  return `${verb} message ${r.messageId} in thread ${r.threadId}; delivered to ${to}.`;
}

/** The mailbox tools, in the order `tools/list` gives them. */
export const mailboxTools: readonly MailboxTool[] = [
  {
    name: "send",
    title: "Send mail",
    description:
      "Send a message to one or more other agents. `to` are the agents that should act, `cc` those that should know, `bcc` silent observers only you see. Without `threadId` the message joins the thread of the same visible participants, or starts one. Attach your working state as `contextSnapshot` so a recipient can pick up without asking. Answers the message id, the thread id and each recipient's delivery sequence.",
    inputSchema: {
      type: "object",
      properties: {
        to: agentIds('The recipients\' agent ids, e.g. ["writer@demo"].', 1),
        cc: agentIds("Copied agents: they see the message and take part in the thread."),
        bcc: agentIds("Blind-copied agents: they receive it; no other recipient sees them."),
        payload,
        contextSnapshot,
        threadId: {
          type: "string",
          minLength: 1,
          description: "Post in this existing thread (an unknown id is an error).",
        },
        replyTo: {
          type: "string",
          minLength: 1,
          description: "The id of the message this answers.",
        },
        handoff,
      },
      required: ["to", "payload"],
      additionalProperties: false,
    },
    annotations: write,
    async run(mailbox, args, _settings, signal) {
      const receipt = await mailbox.send(args.to as string[], args.payload as JsonValue, {
        ...replyOptions(args, signal),
        ...(args.cc !== undefined && { cc: strs(args.cc) }),
        ...(args.bcc !== undefined && { bcc: strs(args.bcc) }),
        ...(args.threadId !== undefined && { threadId: str(args.threadId) }),
        ...(args.replyTo !== undefined && { replyTo: str(args.replyTo) }),
      });
      const structured = receiptJson(receipt);
      return { structured, text: sentText("Sent", structured) };
    },
  },
  {
    name: "reply_all",
    title: "Reply to all",
    description:
      "Reply in a thread to every visible participant but you (never to anyone you bcc'd). Use it to answer a message you received: pass its `threadId`.",
    inputSchema: {
      type: "object",
      properties: { threadId, payload, contextSnapshot, handoff },
      required: ["threadId", "payload"],
      additionalProperties: false,
    },
    annotations: write,
    async run(mailbox, args, _settings, signal) {
      const receipt = await mailbox.replyAll(
        args.threadId as string,
        args.payload as JsonValue,
        replyOptions(args, signal),
      );
      const structured = receiptJson(receipt);
      return { structured, text: sentText("Replied with", structured) };
    },
  },
  {
    name: "unread",
    title: "Unread mail",
    description:
      "List your unread messages, oldest first, each with its sequence number (`seq`), and each thread's context once (its latest context snapshot, a summary of older messages and the recent ones verbatim). At most `limit` come at a time; when `hasMore` is true, call again with `after` set to the last `seq`. Reading does not mark anything read: call `mark_read` when you have handled a thread.",
    inputSchema: {
      type: "object",
      properties: {
        limit: {
          type: "integer",
          minimum: 1,
          maximum: 500,
          description: "At most this many messages (default 20).",
        },
        after: {
          type: "integer",
          minimum: 0,
          description: "Only messages after this sequence: the last `seq` of the previous page.",
        },
        recent,
      },
      additionalProperties: false,
    },
    annotations: readOnly,
    async run(mailbox, args, settings, signal) {
      const structured = await unreadPage(mailbox, {
        signal,
        recent: int(args.recent) ?? settings.recent,
        limit: int(args.limit) ?? 20,
        after: int(args.after) ?? 0,
      });
      return { structured, text: unreadText(structured, settings.previewChars) };
    },
  },
  {
    name: "receive",
    title: "Receive mail from a sender",
    description:
      "Your unread messages from one sender (or from everyone without `from`), with the context of the latest of them. Does not mark them read: call `mark_read` when done.",
    inputSchema: {
      type: "object",
      properties: {
        from: { type: "string", minLength: 1, description: "Only messages from this agent id." },
        recent,
      },
      additionalProperties: false,
    },
    annotations: readOnly,
    async run(mailbox, args, settings, signal) {
      const from = str(args.from);
      const got = await mailbox.receive({
        signal,
        recent: int(args.recent) ?? settings.recent,
        ...(from !== undefined && { from }),
      });
      const view = unreadJson(got.messages);
      const structured = {
        count: view.count,
        messages: view.deliveries,
        context: got.context,
      };
      const what = from === undefined ? "unread" : `unread (from ${from})`;
      return { structured, text: unreadText(view, settings.previewChars, what) };
    },
  },
  {
    name: "mark_read",
    title: "Mark a thread read",
    description:
      "Mark a thread read up to and including sequence `upTo` (a delivery's `seq`), or all of it without `upTo`. Marking up to the last message you handled keeps mail that arrived meanwhile unread.",
    inputSchema: {
      type: "object",
      properties: {
        threadId,
        upTo: {
          type: "integer",
          minimum: 0,
          description: "The last delivery sequence handled; default: everything delivered so far.",
        },
      },
      required: ["threadId"],
      additionalProperties: false,
    },
    annotations: { ...write, idempotentHint: true },
    async run(mailbox, args, _settings, signal) {
      const upTo = int(args.upTo);
      const res = await mailbox.markRead(args.threadId as string, {
        signal,
        ...(upTo !== undefined && { upTo }),
      });
      const structured = { threadId: args.threadId, upTo: seqJson(res.upTo) };
      return {
        structured,
        text: `Marked thread ${args.threadId} read up to sequence ${structured.upTo}.`,
      };
    },
  },
  {
    name: "threads",
    title: "List threads",
    description:
      "List the threads you take part in, most recently active first: participants, message count and the latest message, with your total unread count. Use `sync` for one thread's full context.",
    inputSchema: {
      type: "object",
      properties: {
        limit: {
          type: "integer",
          minimum: 1,
          maximum: 1000,
          description: "Threads per page (default 20).",
        },
        offset: { type: "integer", minimum: 0, description: "Threads to skip (default 0)." },
      },
      additionalProperties: false,
    },
    annotations: readOnly,
    async run(mailbox, args, settings, signal) {
      const page = await mailbox.threads({
        signal,
        limit: int(args.limit) ?? 20,
        offset: int(args.offset) ?? 0,
      });
      const structured = {
        threads: page.threads.map(threadListingJson),
        unreadCount: page.unreadCount,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
      };
      const lines = page.threads.map((t) => {
        const last = t.messages[t.messages.length - 1];
        return `- thread ${t.id} with ${t.participants.join(", ")} (${t.messages.length} message(s))${last === undefined ? "" : `; latest ${messageLine(last, settings.previewChars).slice(2)}`}`;
      });
      const head = `${page.total} thread(s), ${page.unreadCount} unread message(s); showing ${page.threads.length} from offset ${page.offset}:`;
      return { structured, text: [head, ...lines].join("\n") };
    },
  },
  {
    name: "sync",
    title: "Sync a thread's context",
    description:
      "Rejoin a thread: its latest context snapshot, a summary of the older messages and the recent ones verbatim. Use it after a restart or before answering in a thread you have not followed.",
    inputSchema: {
      type: "object",
      properties: { threadId, recent },
      required: ["threadId"],
      additionalProperties: false,
    },
    annotations: readOnly,
    async run(mailbox, args, settings, signal) {
      const id = args.threadId as string;
      const context = await mailbox.sync(id, {
        signal,
        recent: int(args.recent) ?? settings.recent,
      });
      return {
        structured: { threadId: id, context },
        text: contextText(id, context, settings.previewChars),
      };
    },
  },
  {
    name: "participants",
    title: "Thread participants",
    description:
      "The participants of a thread with their roles (to, cc; bcc only for those you bcc'd), in the order they joined.",
    inputSchema: {
      type: "object",
      properties: { threadId },
      required: ["threadId"],
      additionalProperties: false,
    },
    annotations: readOnly,
    async run(mailbox, args, _settings, signal) {
      const id = args.threadId as string;
      const participants = await mailbox.participants(id, { signal });
      return {
        structured: { threadId: id, participants },
        text: `Thread ${id}: ${participants.map((p) => `${p.agentId} (${p.role})`).join(", ")}.`,
      };
    },
  },
];
