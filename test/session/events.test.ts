import { Code } from "@connectrpc/connect";
import type { AgentwireError } from "agentwire";
import { describe, expect, it } from "vitest";
import { connectAgent } from "../helpers/agent.js";
import { startRawSidecar } from "../helpers/raw-sidecar.js";

describe("a listener that throws", () => {
  it("has its error rethrown as an uncaught exception, not reported as an `error` event", async () => {
    // Vitest reports uncaught exceptions as failures: its listeners step aside for this one.
    const vitestListeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    const uncaught = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    try {
      const raw = await startRawSidecar((s) => s.respond({ ":status": 503 }, { endStream: true }));
      const agent = connectAgent(raw.address, { maxAttempts: 2 });
      const errors: AgentwireError[] = [];
      agent.session.on("error", (e) => errors.push(e));
      const bug = new Error("a bug in the agent's state handler");
      agent.session.on("state", (change) => {
        if (change.state === "reconnecting") throw bug;
      });
      const closed = await agent.reach("closed");
      expect(await uncaught).toBe(bug);
      expect(errors.map((e) => e.code)).toEqual([Code.Unavailable, Code.Unavailable]);
      expect(closed.error?.reason).toBe("gave_up");
      agent.client.close();
      await raw.close();
    } finally {
      process.removeAllListeners("uncaughtException");
      for (const l of vitestListeners) process.on("uncaughtException", l);
    }
  });
});
