/**
 * Bounds on the push streams (SSE and Watch) a server holds: at most so many
 * overall and so many per agent, refused beyond either with `unavailable`
 * (RESOURCE_EXHAUSTED: 503 over HTTP).
 *
 * @module
 */
import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../../client/errors.js";

/** Counts the open push streams, overall and per agent, and refuses one over either bound. */
export interface StreamLimiter {
  /** Streams open now. */
  readonly open: number;
  /** Takes a slot for a stream of `agentId`; returns its release, or throws `unavailable`. */
  acquire(agentId: string): () => void;
}

/** Creates a {@link StreamLimiter}. */
export function createStreamLimiter(maxConcurrent: number, maxPerAgent: number): StreamLimiter {
  const perAgent = new Map<string, number>();
  let open = 0;
  return {
    get open() {
      return open;
    },
    acquire(agentId) {
      const mine = perAgent.get(agentId) ?? 0;
      if (mine >= maxPerAgent)
        throw new AgentwireError(
          "unavailable",
          `agent ${agentId} has ${maxPerAgent} push streams open already (the most allowed)`,
          Code.ResourceExhausted,
        );
      if (open >= maxConcurrent)
        throw new AgentwireError(
          "unavailable",
          `the server has ${maxConcurrent} push streams open already (the most allowed)`,
          Code.ResourceExhausted,
        );
      perAgent.set(agentId, mine + 1);
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (perAgent.get(agentId) ?? 1) - 1;
        if (left === 0) perAgent.delete(agentId);
        else perAgent.set(agentId, left);
      };
    },
  };
}
