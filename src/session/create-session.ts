import type { AgentClient } from "../client/agent-client.js";
import type { SidecarConnection } from "../client/transport.js";
import { ConversationSession } from "./conversation-session.js";
import type { Session } from "./session-interface.js";
import { resolveSessionOptions, type SessionOptions } from "./session-options.js";

/**
 * Creates a session on a client's connection and starts connecting at once.
 * `state` is `connecting` on return; await `ready()` to know the handshake was
 * written, or listen for `state`.
 */
export function createSession(
  client: AgentClient | SidecarConnection,
  options: SessionOptions,
): Session {
  const connection = "connection" in client ? client.connection : client;
  return new ConversationSession(connection, resolveSessionOptions(options));
}
