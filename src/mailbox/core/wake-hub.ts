/**
 * The in-process wake hub: listeners per agent, woken after a delivery to that
 * agent commits. A wake carries no data: the listener reads the deliveries
 * after its own cursor, so a missed, late or doubled wake never loses or
 * repeats mail. A store shared by several servers feeds the hub with the
 * deliveries committed elsewhere (`MailboxStore.onDeliveries`).
 *
 * @module
 */

/** Wakes the listeners of agents after deliveries to them. */
export interface WakeHub {
  /** Adds a listener for one agent; returns the function that removes it. */
  subscribe(agentId: string, wake: () => void): () => void;
  /** Wakes every listener of these agents (a listener that throws does not stop the others). */
  notify(agentIds: Iterable<string>): void;
  /** How many listeners the agent has (for limits and tests). */
  listenerCount(agentId: string): number;
  /** Removes every listener. */
  clear(): void;
}

/** Creates an empty wake hub. */
export function createWakeHub(): WakeHub {
  const listeners = new Map<string, Set<() => void>>();
  return {
    subscribe(agentId, wake) {
      let set = listeners.get(agentId);
      if (!set) {
        set = new Set();
        listeners.set(agentId, set);
      }
      // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
      const entry = () => wake();
      set.add(entry);
      return () => {
        const s = listeners.get(agentId);
        if (!s) return;
        s.delete(entry);
        if (s.size === 0) listeners.delete(agentId);
      };
    },
    notify(agentIds) {
      for (const id of new Set(agentIds)) {
        const set = listeners.get(id);
        if (!set) continue;
        for (const wake of [...set]) {
          try {
            wake();
          } catch {
            // A broken listener is its owner's problem; the others still wake.
          }
        }
      }
    },
    listenerCount: (agentId) => listeners.get(agentId)?.size ?? 0,
    clear: () => listeners.clear(),
  };
}
