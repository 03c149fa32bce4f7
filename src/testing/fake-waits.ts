import type { AgentConfig, AgentResponse } from "../schema/index.js";
import { FakeSidecarError } from "./fake-errors.js";
import type { FakeLedger } from "./fake-ledger.js";
import type { FakeSidecar, WaitForAgentOptions, WaitUntilOptions } from "./fake-sidecar-types.js";
import type { FakeTurn } from "./fake-turn.js";
import type { WaitOptions } from "./waiters.js";

/** The FakeSidecar methods that wait on the agent. */
export type FakeSidecarWaits = Pick<
  FakeSidecar,
  "waitForAgent" | "waitUntil" | "waitForTurnEnd" | "nextFrame"
>;

/**
 * The waits of a fake sidecar: each resolves once the ledger shows what it
 * waits for, bounded by the caller's `timeoutMs` or the fake's default, and
 * fails with reason "closed" once the fake is closed.
 */
export class FakeWaits implements FakeSidecarWaits {
  constructor(
    private readonly ledger: FakeLedger,
    /** The bound of a wait when the caller gives none, in milliseconds. */
    private readonly timeoutMs: number,
  ) {}

  waitForAgent(options?: WaitForAgentOptions): Promise<AgentConfig> {
    const min = options?.minRegistrations ?? 1;
    const ledger = this.ledger;
    return ledger.waiters.wait({
      what: `an agent to open a conversation stream and register with an agent_config (registration #${min})`,
      ...this.bounds(options),
      probe: () => {
        ledger.assertOpen("waitForAgent");
        return ledger.link.connected && ledger.link.registrations >= min
          ? ledger.agentConfig
          : undefined;
      },
      detail: () =>
        `${ledger.link.streamCount} stream(s) open, ${ledger.link.registrations} registration(s) so far`,
    });
  }

  waitUntil(condition: () => boolean, options?: WaitUntilOptions): Promise<void> {
    return this.ledger.waiters
      .wait({
        what: options?.what ?? "a condition",
        ...this.bounds(options),
        probe: () => {
          this.ledger.assertOpen("waitUntil");
          return condition() ? true : undefined;
        },
        pollMs: 10,
      })
      .then(() => undefined);
  }

  waitForTurnEnd(id: string, options?: WaitOptions): Promise<FakeTurn> {
    const turn = this.ledger.turn(id);
    if (turn === undefined) {
      return Promise.reject(
        new FakeSidecarError(
          "unknown_turn",
          `waitForTurnEnd: no turn has response id or conversation id "${id}"`,
        ),
      );
    }
    return turn.ended(options);
  }

  nextFrame(
    predicate: (frame: AgentResponse) => boolean = () => true,
    options?: WaitOptions,
  ): Promise<AgentResponse> {
    const frames = this.ledger.frames;
    let seen = frames.length;
    return this.ledger.waiters.wait({
      what: "a reply frame matching the predicate",
      ...this.bounds(options),
      probe: () => {
        this.ledger.assertOpen("nextFrame");
        for (; seen < frames.length; seen++) {
          const frame = frames[seen] as AgentResponse;
          if (predicate(frame)) return frame;
        }
        return undefined;
      },
      detail: () => `${frames.length} frame(s) received in all`,
    });
  }

  /** A wait's bound and signal: the caller's, else the fake's default timeout. */
  private bounds(options: WaitOptions | undefined): {
    timeoutMs: number;
    signal: AbortSignal | undefined;
  } {
    return { timeoutMs: options?.timeoutMs ?? this.timeoutMs, signal: options?.signal };
  }
}
