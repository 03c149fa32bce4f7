import { createMailboxServer, type MailboxServerOptions } from "agentwire/mailbox-server";
import type { MailboxCore } from "../../../../src/mailbox/core/mailbox-types.js";

/** A mailbox server in this process on a free 127.0.0.1 port. */
export interface RunningServer {
  /** Its base URL. */
  readonly url: string;
  /** The server's mailbox core (to make deliveries fast, beside the client under test). */
  readonly core: MailboxCore;
  /** Push streams (SSE and Watch) open now. */
  readonly openStreams: () => number;
  /** Drains and closes it (after every connection closed). */
  close(): Promise<void>;
}

/** Starts the real mailbox server (`:memory:` unless `options.db` says otherwise) on a free port. */
export async function startServer(options: MailboxServerOptions = {}): Promise<RunningServer> {
  const server = await createMailboxServer({ db: ":memory:", port: 0, ...options });
  const address = await server.listen();
  return {
    url: address.url,
    core: server.core,
    openStreams: () => server.openStreams,
    close: () => server.close(),
  };
}
