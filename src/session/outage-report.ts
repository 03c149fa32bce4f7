import type { Session, SessionStateChange } from "./session-interface.js";

/** Whether `n` is 1, 2, 4, 8, ...: the attempts at which an outage reports progress. */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Logs a session's connection in a few lines, however long an outage lasts:
 * one line when the session first connects, one when an outage starts, a
 * progress line (attempt, next delay, last error) at attempts 2, 4, 8, 16, ...
 * (growing intervals), one when the stream is back, and one when the session
 * closes. Returns the function that stops logging.
 */
export function reportOutages(session: Session, log: (line: string) => void): () => void {
  /** When the current outage began (performance.now()), or undefined while connected. */
  let downSince: number | undefined;
  /** Set once the current outage's recovery was logged (a stream that opened). */
  let recovered = false;
  let attempts = 0;
  return session.on("state", (change: SessionStateChange) => {
    const { state, attempt, error, delayMs } = change;
    const now = performance.now();
    if (state === "reconnecting") {
      const why = error?.message ?? "the stream ended";
      attempts = attempt;
      // The attempt count restarts at 1 after a healthy stream: a new outage.
      // A stream that opened but was not healthy keeps counting: the same one.
      if (downSince === undefined || attempt <= 1) {
        downSince = now;
        recovered = false;
        log(`sidecar connection lost (${why}); reconnecting, next attempt in ${delayMs} ms`);
      } else if (isPowerOfTwo(attempt)) {
        log(
          `still reconnecting after ${seconds(now - downSince)}: attempt ${attempt}, next in ${delayMs} ms; last error: ${why}`,
        );
      }
    } else if (state === "open") {
      if (downSince === undefined) log("connected to the sidecar");
      else if (!recovered) {
        recovered = true;
        log(
          `sidecar connection back after ${attempts} failed attempt${attempts === 1 ? "" : "s"} (${seconds(now - downSince)} down)`,
        );
      }
    } else if (state === "closed") {
      // A close the caller asked for is no failure worth a message.
      const asked = error === undefined || error.reason === "aborted";
      log(asked ? "closed" : `closed: ${error.message}`);
    }
  });
}
