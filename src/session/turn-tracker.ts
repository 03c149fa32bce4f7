import { Code } from "@connectrpc/connect";
import { AgentwireError } from "../client/errors.js";
import type { LostTurn } from "./session-interface.js";
import type { WriteQueue } from "./write-queue.js";

/** How many turns each set remembers; the oldest are forgotten first. */
const maxTrackedTurns = 4096;

/** The key of a turn: its conversation and response ids. */
export const turnKey = (conversationId: string, responseId: string): string =>
  `${conversationId}\0${responseId}`;

function parseTurnKey(key: string): LostTurn {
  const [conversationId = "", responseId = ""] = key.split("\0");
  return { conversationId, responseId };
}

/** The error of a frame that belongs to a turn lost with a broken stream. */
export function turnLostError(turn: LostTurn): AgentwireError {
  return new AgentwireError(
    "turn_lost",
    `the stream broke during turn ${turn.responseId} of conversation ${turn.conversationId}; the sidecar failed that turn, so its frames are not sent on the new stream`,
    Code.Unavailable,
  );
}

/**
 * Which turns are in flight on the current stream, and which were lost with
 * an earlier one. The sidecar fails every turn in flight when a stream ends
 * and does not resume it on the next, so a lost turn's frames must not be
 * sent there. Both sets are bounded and created on first use.
 */
export class TurnTracker {
  private live: Set<string> | undefined;
  private lost: Set<string> | undefined;

  /** Records a turn that started (a user message arrived) on the current stream. */
  started(conversationId: string, responseId: string): void {
    this.live ??= new Set();
    remember(this.live, turnKey(conversationId, responseId));
  }

  /** Records that a turn sent its terminal frame. */
  ended(key: string): void {
    this.live?.delete(key);
  }

  /** Whether the turn was lost with an earlier stream. */
  isLost(key: string): boolean {
    return this.lost?.has(key) ?? false;
  }

  /**
   * Marks every turn in flight as lost (the stream ended), rejects their
   * queued frames with reason "turn_lost", and returns the lost turns.
   */
  loseInFlight(queue: WriteQueue): LostTurn[] {
    const live = this.live;
    if (live === undefined || live.size === 0) return [];
    this.lost ??= new Set();
    const lostKeys = this.lost;
    const lost: LostTurn[] = [];
    for (const key of live) {
      lost.push(parseTurnKey(key));
      remember(lostKeys, key);
    }
    live.clear();
    const removed = queue.removeWhere((w) => w.turnKey !== undefined && lostKeys.has(w.turnKey));
    for (const w of removed) w.reject(turnLostError(parseTurnKey(w.turnKey as string)));
    return lost;
  }
}

function remember(set: Set<string>, key: string): void {
  if (set.size >= maxTrackedTurns) set.delete(set.values().next().value as string);
  set.add(key);
}
