import { Code } from "@connectrpc/connect";
import { backoffDelayMs } from "../client/backoff.js";
import { AgentwireError } from "../client/errors.js";
import { isRetryable } from "../client/retry.js";
import type { ResolvedSessionOptions } from "./session-options.js";

/** How one stream attempt ended: its error (none when the sidecar ended it) and whether it was healthy. */
export interface StreamOutcome {
  /** What ended the stream; undefined when it ended without an error. */
  error: unknown;
  /** Whether the stream delivered a frame or stayed open for `healthyAfterMs`. */
  healthy: boolean;
}

/** What the reconnect loop asks of the session it runs for. */
export interface ReconnectHost {
  /** True once the session is closing or closed: no further stream starts. */
  isClosing(): boolean;
  /** Runs one stream attempt to its end. */
  runStream(): Promise<StreamOutcome>;
  /** Called after every stream attempt, before anything else (turns in flight are lost). */
  streamEnded(): void;
  /** A stream failed (the session's `error` event). */
  failed(error: AgentwireError): void;
  /** The loop waits `delayMs` before the next attempt. */
  reconnecting(error: AgentwireError, delayMs: number): void;
  /** The loop starts the next attempt. */
  connecting(): void;
  /** The loop is over: with the error that ended it, or undefined when the session was closed. */
  done(error: AgentwireError | undefined): void;
}

/**
 * The session's reconnect loop: runs stream attempts one after another,
 * counts consecutive failures, decides (with `isRetryable`) whether to go on,
 * and waits out the backoff between attempts.
 */
export class ReconnectLoop {
  /** Consecutive failed streams so far. */
  attempt = 0;
  /** Ends the backoff wait early, when the session is abandoned during it. */
  private wakeBackoff: (() => void) | undefined;

  constructor(
    private readonly host: ReconnectHost,
    private readonly options: ResolvedSessionOptions,
  ) {}

  /** Runs until the session closes or gives up; never rejects. */
  async run(): Promise<void> {
    const host = this.host;
    try {
      while (!host.isClosing()) {
        const { error, healthy } = await host.runStream();
        host.streamEnded();
        if (host.isClosing()) break;
        const failure = error
          ? AgentwireError.convert(error)
          : new AgentwireError(
              "rpc_failed",
              "the sidecar ended the conversation stream",
              Code.Unavailable,
            );
        host.failed(failure);
        this.attempt = healthy ? 1 : this.attempt + 1;
        const retryable = isRetryable(failure, {
          retryableCodes: this.options.retryableCodes,
          callerAborted: host.isClosing(),
        });
        if (!retryable) return host.done(failure);
        if (this.attempt >= this.options.maxAttempts) {
          return host.done(
            new AgentwireError(
              "gave_up",
              `gave up after ${this.attempt} failed attempts to keep the conversation stream open; last error: ${failure.rawMessage}`,
              failure.code,
              failure,
            ),
          );
        }
        const delayMs = backoffDelayMs(this.attempt, this.options);
        host.reconnecting(failure, delayMs);
        await this.backoff(delayMs);
        if (host.isClosing()) break;
        host.connecting();
      }
      host.done(undefined);
    } catch (e) {
      host.done(AgentwireError.convert(e));
    }
  }

  /** Ends a backoff wait now (the session was abandoned). */
  wake(): void {
    this.wakeBackoff?.();
  }

  /** Waits out a backoff delay; resolves early on `wake()`. */
  private backoff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = undefined;
        resolve();
      }, delayMs);
      this.wakeBackoff = () => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
    });
  }
}
