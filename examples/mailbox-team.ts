/**
 * A team of four agents on one mailbox, written with `watch` (push) instead
 * of polling: the orchestrator sends a task to the researcher, cc the writer,
 * bcc the logger, with a context snapshot; the researcher answers everyone
 * visible with reply-all; the writer, warm from the thread's context, answers
 * with a draft by reply-all; the logger (bcc) sees the task and never the
 * replies. Exits 0 once the orchestrator has the draft.
 *
 *   npm run example:mailbox                         # starts its own server
 *   MAILBOX_URL=http://127.0.0.1:3000 npm run example:mailbox
 */
import { pathToFileURL } from "node:url";
import { createMailbox, type Mailbox, type MailDelivery } from "agentwire/mailbox";

/** What the team's messages carry. */
export type TeamPayload =
  | { kind: "task"; task: string }
  | { kind: "findings"; findings: string[] }
  | { kind: "draft"; text: string };

/** What the team's context snapshots carry. */
export type TeamSnapshot = { goal: string; findings?: string[]; step: string };

type TeamMailbox = Mailbox<TeamPayload, TeamSnapshot>;
type TeamDelivery = MailDelivery<TeamPayload, TeamSnapshot>;

/** Checks an inbound payload (a team would use its schema library here). */
export function validateTeamPayload(value: unknown): TeamPayload {
  const p = value as Partial<Record<string, unknown>> | null;
  const ok =
    typeof p === "object" &&
    p !== null &&
    ((p.kind === "task" && typeof p.task === "string") ||
      (p.kind === "findings" && Array.isArray(p.findings)) ||
      (p.kind === "draft" && typeof p.text === "string"));
  if (!ok) throw new Error(`not a team payload: ${JSON.stringify(value)}`);
  return value as TeamPayload;
}

/** The agents' ids. */
export const team = {
  orchestrator: "orchestrator@team",
  researcher: "researcher@team",
  writer: "writer@team",
  logger: "logger@team",
} as const;

/** Runs one agent: handles each delivery with `handle` until `signal` aborts or `handle` answers true. */
async function runAgent(
  mailbox: TeamMailbox,
  signal: AbortSignal,
  handle: (d: TeamDelivery) => Promise<boolean | undefined>,
): Promise<void> {
  for await (const d of mailbox.watch({ signal })) {
    const done = await handle(d);
    await mailbox.markRead(d.threadId, { upTo: d.seq, signal });
    if (done) return;
  }
}

/** Options of `runTeam`. */
export interface TeamOptions {
  /** The mailbox server. */
  baseUrl: string;
  /** Receives a line for every step. */
  log?: (line: string) => void;
  /** Stops the team. */
  signal?: AbortSignal;
}

/** Runs the flow once; resolves with the draft and what the logger saw. */
export async function runTeam(options: TeamOptions): Promise<{ draft: string; logged: string[] }> {
  const log = options.log ?? (() => {});
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const agent = (agentId: string): TeamMailbox =>
    createMailbox<TeamPayload, TeamSnapshot>({
      agentId,
      baseUrl: options.baseUrl,
      validate: validateTeamPayload,
    });
  const [orchestrator, researcher, writer, logger] = [
    agent(team.orchestrator),
    agent(team.researcher),
    agent(team.writer),
    agent(team.logger),
  ] as const;
  const logged: string[] = [];
  try {
    for (const m of [orchestrator, researcher, writer, logger]) await m.register({ signal });
    const researching = runAgent(researcher, signal, async (d) => {
      if (d.message.payload.kind !== "task") return;
      log(
        `researcher: got "${d.message.payload.task}" (goal in context: ${d.context.snapshot.goal})`,
      );
      const findings = ["mail is pushed, not polled", "resume is by delivery sequence"];
      await researcher.replyAll(
        d.threadId,
        { kind: "findings", findings },
        { contextSnapshot: { ...d.context.snapshot, findings, step: "researched" }, signal },
      );
      return true;
    });
    const writing = runAgent(writer, signal, async (d) => {
      if (d.message.payload.kind !== "findings") return;
      // The thread's context carries the task the orchestrator cc'd to the writer.
      const task = d.context.recentMessages.find((m) => m.payload.kind === "task");
      const topic = task?.payload.kind === "task" ? task.payload.task : "?";
      log(
        `writer: ${d.message.payload.findings.length} findings from ${d.message.from} on "${topic}"`,
      );
      await writer.replyAll(
        d.threadId,
        { kind: "draft", text: `${topic}: ${d.message.payload.findings.join("; ")}.` },
        { contextSnapshot: { ...d.context.snapshot, step: "drafted" }, signal },
      );
      return true;
    });
    const logging = runAgent(logger, signal, async (d) => {
      logged.push(`${d.message.from} -> ${d.message.payload.kind}`);
      log(
        `logger: ${d.message.from} sent a ${d.message.payload.kind} (bcc visible: ${d.message.bcc !== undefined})`,
      );
      return undefined;
    });
    logging.catch(() => {});
    let draft = "";
    const orchestrating = runAgent(orchestrator, signal, async (d) => {
      log(`orchestrator: ${d.message.payload.kind} from ${d.message.from}`);
      if (d.message.payload.kind !== "draft") return;
      draft = d.message.payload.text;
      return true;
    });
    const sent = await orchestrator.send(
      team.researcher,
      { kind: "task", task: "how agentwire's mailbox keeps agents warm" },
      {
        cc: [team.writer],
        bcc: [team.logger],
        contextSnapshot: { goal: "a short brief", step: "assigned" },
        signal,
      },
    );
    log(`orchestrator: task sent in ${sent.threadId} to ${sent.deliveredTo.join(", ")}`);
    await Promise.all([researching, writing, orchestrating]);
    const participants = await orchestrator.participants(sent.threadId, { signal });
    log(`participants: ${participants.map((p) => `${p.agentId} (${p.role})`).join(", ")}`);
    return { draft, logged };
  } finally {
    stop.abort();
    for (const m of [orchestrator, researcher, writer, logger]) m.close();
  }
}

async function main(): Promise<void> {
  let baseUrl = process.env.MAILBOX_URL || "";
  let closeServer = async () => {};
  if (baseUrl === "") {
    // The server is loaded only here: an agent that has a server needs only agentwire/mailbox.
    const { createMailboxServer } = await import("agentwire/mailbox-server");
    const server = await createMailboxServer({ db: ":memory:", host: "127.0.0.1", port: 0 });
    baseUrl = (await server.listen()).url;
    closeServer = () => server.close();
    console.log(`mailbox server at ${baseUrl}`);
  }
  try {
    const { draft } = await runTeam({ baseUrl, log: (line) => console.log(line) });
    console.log(`draft: ${draft}`);
    console.log("flow complete");
  } finally {
    await closeServer();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
