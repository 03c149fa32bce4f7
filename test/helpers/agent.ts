import {
  type AgentClientOptions,
  createAgentClient,
  createSession,
  type Session,
  type SessionOptions,
  type SessionStateChange,
} from "agentwire";
import { Inbox } from "./step.js";

/**
 * A client and session to a test sidecar, with the session's state changes
 * recorded; `clientOptions` (e.g. a `connection`) go to `createAgentClient`.
 */
export function connectAgent(
  address: string,
  options: Partial<SessionOptions> = {},
  clientOptions: AgentClientOptions = {},
) {
  const client = createAgentClient({ address, ...clientOptions });
  const states = new Inbox<SessionStateChange>();
  const session: Session = createSession(client, {
    config: { systemPrompt: "test agent" },
    initialDelayMs: 5,
    maxDelayMs: 20,
    ...options,
  });
  session.on("state", states.push);
  return {
    client,
    session,
    states,
    /** Waits for the session to reach `state`. */
    reach: (state: SessionStateChange["state"], timeoutMs = 5000) =>
      states.nextMatching((c) => c.state === state, `state ${state}`, timeoutMs),
    /** Closes the session, then the client's connection. */
    async dispose() {
      await session.close({ mode: "abandon" });
      client.close();
    },
  };
}
