import type { Mailbox } from "../client/mailbox-client.js";
import type { MailboxWatch } from "../client/mailbox-watch.js";
import { unreadPage } from "./json-views.js";

/** The URI of an agent's unread mail: `mailbox://<agentId>/unread` (characters that would break the URI escaped). */
export function unreadUri(agentId: string): string {
  return `mailbox://${encodeURIComponent(agentId).replace(/%40/g, "@")}/unread`;
}

/** What the unread resource needs from the MCP server. */
export interface UnreadResourceHost {
  /** Sends `notifications/resources/updated` for `uri`. */
  notifyUpdated(uri: string): Promise<void>;
  /** Diagnostics (stderr). */
  log(line: string): void;
}

/**
 * The agent's unread mail as a subscribable resource. It holds one `watch`
 * on the agent's deliveries (without context: only the fact matters) for the
 * life of the MCP session; the watch reconnects and resumes by itself, so the
 * push survives a mailbox server restart. While a client is subscribed, every
 * arrival (a burst coalesced into one) and every `mark_read` sends
 * `notifications/resources/updated`; reading the resource asks the mailbox
 * for the current unread frames.
 */
export class UnreadResource {
  readonly uri: string;
  private subscribed = false;
  private pending = false;
  private watch: MailboxWatch | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly mailbox: Mailbox,
    private readonly host: UnreadResourceHost,
  ) {
    this.uri = unreadUri(mailbox.agentId);
  }

  /** The resource as `resources/list` shows it. */
  describe() {
    return {
      uri: this.uri,
      name: "unread",
      title: `Unread mail of ${this.mailbox.agentId}`,
      description:
        "The agent's unread messages (the oldest 100; `hasMore` says whether more follow) with each thread's context, as JSON in the shape the `unread` tool answers. Subscribe to be notified the moment mail arrives.",
      mimeType: "application/json",
    };
  }

  /** Whether `uri` is this resource. */
  is(uri: string): boolean {
    return uri === this.uri;
  }

  /** The current unread frames (the oldest `limit`; `hasMore` says if more follow) as resource contents. */
  async read(recent: number, limit: number, signal: AbortSignal) {
    const view = await unreadPage(this.mailbox, { recent, limit, after: 0, signal });
    return [{ uri: this.uri, mimeType: "application/json", text: JSON.stringify(view) }];
  }

  /** Starts or stops notifications. */
  setSubscribed(on: boolean): void {
    this.subscribed = on;
  }

  /** Starts the watch (once). */
  start(): void {
    if (this.running !== undefined) return;
    const watch = this.mailbox.watch({ context: false });
    this.watch = watch;
    watch.on("state", (c) => {
      if (c.state === "reconnecting")
        this.host.log(
          `mailbox watch: ${c.error?.rawMessage ?? "stream ended"}; reconnecting in ${c.delayMs ?? 0} ms`,
        );
      else if (c.state === "open")
        this.host.log(`mailbox watch: open after sequence ${watch.lastSeq}`);
    });
    this.running = (async () => {
      try {
        for await (const _ of watch) this.changed();
      } catch (e) {
        // A refusal (an unknown or wrong token) ends the push; the tools still answer with the reason.
        this.host.log(`mailbox watch stopped: ${(e as Error).message}`);
      }
    })();
  }

  /** Something changed the unread mail: notify a subscriber, once per burst. */
  changed(): void {
    if (!this.subscribed || this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.subscribed) return;
      this.host
        .notifyUpdated(this.uri)
        .catch((e: unknown) =>
          this.host.log(`resources/updated not sent: ${(e as Error).message}`),
        );
    });
  }

  /** Ends the watch; resolves when it has ended. */
  async close(): Promise<void> {
    this.subscribed = false;
    this.watch?.close();
    await this.running;
  }
}
