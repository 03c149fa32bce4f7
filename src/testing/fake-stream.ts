import type { ConnectError } from "@connectrpc/connect";
import type { AgentResponse } from "../schema/index.js";

type Outgoing =
  | { kind: "frame"; frame: AgentResponse }
  | { kind: "end" }
  | { kind: "fail"; error: ConnectError };

/**
 * One ProcessConversation stream as the fake sidecar sees it: whether its
 * first frame registered it, and the frames waiting to be sent to the agent.
 */
export class FakeAgentStream {
  /** Whether the first frame was an agent_config (only then does the stream receive work). */
  registered = false;
  /** Whether the first frame arrived. */
  sawFirstFrame = false;
  /** Whether the stream is over (either side ended it). */
  over = false;
  private readonly outbox: Outgoing[] = [];
  private wake: (() => void) | undefined;

  constructor(
    /** Counts streams from 1 in the order they opened. */
    readonly id: number,
  ) {}

  /** Queues a frame for the agent. */
  send(frame: AgentResponse): void {
    this.put({ kind: "frame", frame });
  }

  /** Ends the stream with status OK after the queued frames. */
  end(): void {
    this.put({ kind: "end" });
  }

  /** Ends the stream with an error status after the queued frames. */
  fail(error: ConnectError): void {
    this.put({ kind: "fail", error });
  }

  /** The response side of the RPC: queued frames until `end` or `fail`. */
  async *responses(): AsyncGenerator<AgentResponse> {
    for (;;) {
      const next = this.outbox.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if (next.kind === "end") return;
      if (next.kind === "fail") throw next.error;
      yield next.frame;
    }
  }

  private put(item: Outgoing): void {
    if (this.over) return;
    if (item.kind !== "frame") this.over = true;
    this.outbox.push(item);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
