/**
 * A measured client process: `node --import tsx --expose-gc bench/client.ts
 * --impl agentwire|reference|raw --port P`. It loads only its own stack and
 * runs the orchestrator's commands (see BenchClient) one at a time.
 */
import { parseArgs } from "node:util";
import type { BenchClient } from "./measure.js";
import { type CommandHandler, emitEvent, serveCommands } from "./proc.js";

const { values } = parseArgs({
  options: { impl: { type: "string" }, port: { type: "string" } },
});
const port = Number(values.port);

async function load(impl: string | undefined): Promise<BenchClient> {
  switch (impl) {
    case "agentwire":
      return (await import("./client-agentwire.js")).createAgentwireBenchClient(port);
    case "reference":
      return (await import("./client-reference.js")).createReferenceBenchClient(port);
    case "raw":
      return (await import("./client-raw.js")).createRawBenchClient(port);
    default:
      throw new Error(`client: --impl must be agentwire, reference or raw, got ${impl}`);
  }
}

const client = await load(values.impl);
const handlers: Record<string, CommandHandler> = {};
for (const [name, fn] of Object.entries(client)) {
  handlers[name] = (fn as (...a: unknown[]) => unknown).bind(client);
}
serveCommands(handlers);
emitEvent("ready");
