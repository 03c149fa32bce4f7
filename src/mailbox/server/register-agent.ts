/**
 * Registering an agent, for the HTTP route and the typed service alike: in
 * open mode anyone registers anyone; in token mode the administrator key
 * registers an agent and gets its token once (when it has none yet), and an
 * agent's own token may register (re-confirm) only that agent.
 *
 * @module
 */
import type { MailboxCaller } from "./identity.js";
import type { MailboxServerParts } from "./route-context.js";

/** What registering answers; `token` only to the administrator, once per agent. */
export interface RegisterAnswer {
  /** The agent. */
  readonly agentId: string;
  /** False when it existed. */
  readonly created: boolean;
  /** Token mode: the agent's new token (its hash is all the store keeps). */
  readonly token?: string;
}

/** Registers `agentId` for `caller`; `field` names the claim for a refusal. */
export async function registerAgent(
  parts: MailboxServerParts,
  caller: MailboxCaller,
  agentId: string,
  field: string,
): Promise<RegisterAnswer> {
  if (caller.kind === "agent") parts.auth.actAs(caller, agentId, field);
  const registered = await parts.core.register(agentId);
  if (caller.kind === "admin" && !(await parts.core.hasToken(registered.agentId)))
    return { ...registered, token: await parts.core.issueToken(registered.agentId) };
  return registered;
}
