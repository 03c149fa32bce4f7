/**
 * The client's keep-alive agent. Node's agent closes an idle connection after
 * its `timeout`, or earlier when the server announces `Keep-Alive: timeout=N`
 * (at N−1 s), but never later. This one follows the announcement both ways:
 * a server that keeps idle connections for 30 s has them kept 29 s, where 4 s
 * made an agent that paused for five open its connections again (in the
 * mailbox bench, a few hundred new connections a round under load, which set
 * the typed sends' p99).
 * Without an announcement, the agent's own timeout stands, safely below the
 * 5 s that node's servers (and many proxies) keep an idle connection.
 *
 * @module
 */
import { Agent, type AgentOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Duplex } from "node:stream";

/** How long the agent keeps an idle connection, in milliseconds. */
export interface KeepAliveTimes {
  /** When the server announces no keep-alive timeout. */
  readonly idleMs: number;
  /** The longest a server's announcement may keep one. */
  readonly idleMaxMs: number;
}

/** The announced keep-alive timeout of the response a socket just finished, in milliseconds. */
function announcedMs(socket: Duplex): number | undefined {
  // Node's own agent reads the hint from the same place.
  const res = (socket as { _httpMessage?: { res?: { headers?: Record<string, unknown> } } })
    ._httpMessage?.res;
  const header = res?.headers?.["keep-alive"];
  const seconds = typeof header === "string" ? /^timeout=(\d+)/.exec(header)?.[1] : undefined;
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

/** Creates the keep-alive agent of a client for `http:` or `https:` base URLs. */
export function createKeepAliveAgent(https: boolean, times: KeepAliveTimes): Agent {
  const options: AgentOptions = { keepAlive: true, timeout: times.idleMs };
  const follow = (agent: Agent): Agent => {
    // Node's method answers whether to keep the socket (its types say void).
    const keepSocketAlive = agent.keepSocketAlive.bind(agent) as (socket: Duplex) => boolean;
    agent.keepSocketAlive = ((socket: Duplex) => {
      const keep = keepSocketAlive(socket);
      const announced = announcedMs(socket);
      if (keep && announced !== undefined && "setTimeout" in socket)
        (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(
          Math.min(announced - 1000, times.idleMaxMs),
        );
      return keep;
    }) as Agent["keepSocketAlive"];
    return agent;
  };
  return follow(https ? new HttpsAgent(options) : new Agent(options));
}
