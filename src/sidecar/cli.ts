/**
 * The `agentwire dev` command: starts a dev sidecar, prints its URLs,
 * optionally starts an agent against it, and shuts down on SIGINT/SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isPortInUse } from "../sidecar-core/listen.js";
import { checkCorsOrigin } from "./cors.js";
import { createDevSidecar, type DevSidecar } from "./dev-sidecar.js";
import { isLoopbackAddress } from "./http-util.js";

/** Where an agent started by the CLI connects. */
export interface StartAgentContext {
  /** Base URL of the sidecar's gRPC server, e.g. `http://127.0.0.1:9090`. */
  readonly grpcUrl: string;
  /** `host:port` of the gRPC server, for clients that take an address. */
  readonly grpcAddress: string;
  /** Aborted when the CLI shuts down. */
  readonly signal: AbortSignal;
}

/** A started agent the CLI stops at shutdown. */
export interface StartedAgent {
  /** Stops the agent; awaited before the sidecar closes. */
  close(): Promise<void> | void;
}

/** Starts the agent the CLI runs next to the sidecar (the echo agent for `npm start`). */
export type StartAgent = (
  context: StartAgentContext,
) => StartedAgent | undefined | Promise<StartedAgent | undefined>;

/** Dependencies `main` takes from its caller, so tests and the bin can inject them. */
export interface CliDependencies {
  /** Started unless `--no-agent`; without it the sidecar waits for an external agent. */
  readonly startAgent?: StartAgent;
  /** Output lines (default: process.stdout). */
  readonly print?: (line: string) => void;
  /** Error lines (default: process.stderr). */
  readonly printError?: (line: string) => void;
  /** Stops the CLI like a signal would (tests); SIGINT/SIGTERM are always handled. */
  readonly signal?: AbortSignal;
  /** Called once the sidecar listens (tests read its ports here). */
  readonly onReady?: (sidecar: DevSidecar) => void;
}

/** The `--help` text. */
export const CLI_USAGE = `Usage: agentwire dev [options]

Runs a local messaging sidecar: agents connect over gRPC, people chat in the browser.

Options:
  --grpc-port N     gRPC port for agents (default 9090, 0 = any free port)
  --web-port N      web chat port (default 8080, 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --allow-remote    allow a non-loopback --host (the protocol has no authentication)
  --cors-origin URL let web pages served from this one origin call the web API
                    (e.g. http://localhost:5173); CORS is off without it
  --no-agent        do not start the bundled agent; wait for your own
  --help            show this help`;

/** The flag that sets each option the CLI passes on. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  grpcPort: "--grpc-port",
  webPort: "--web-port",
  host: "--host",
};

function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535)
    throw new Error(`--${name} must be a port from 0 to 65535, got "${raw}"`);
  return value;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code after shutdown. */
export async function main(argv: readonly string[], deps: CliDependencies = {}): Promise<number> {
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printError = deps.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values: Record<string, string | boolean | undefined>;
  let grpcPort: number;
  let webPort: number;
  let corsOrigin: string | undefined;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        "grpc-port": { type: "string" },
        "web-port": { type: "string" },
        host: { type: "string" },
        "allow-remote": { type: "boolean" },
        "cors-origin": { type: "string" },
        "no-agent": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
    grpcPort = port("grpc-port", values["grpc-port"] as string | undefined, 9090);
    webPort = port("web-port", values["web-port"] as string | undefined, 8080);
    if (values["cors-origin"] !== undefined) {
      try {
        corsOrigin = checkCorsOrigin(values["cors-origin"] as string);
      } catch {
        throw new Error(
          `--cors-origin must be one origin such as http://localhost:5173, got "${values["cors-origin"]}"`,
        );
      }
    }
  } catch (err) {
    printError(`agentwire dev: ${(err as Error).message}\n\n${CLI_USAGE}`);
    return 2;
  }
  if (values.help) {
    print(CLI_USAGE);
    return 0;
  }
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  const allowRemote = values["allow-remote"] === true;
  if (!isLoopbackAddress(host)) {
    if (!allowRemote) {
      printError(
        `agentwire dev: --host ${host} is reachable from other machines and the protocol has no authentication; add --allow-remote to bind it anyway`,
      );
      return 2;
    }
    printError(
      `warning: binding ${host}: anyone who can reach it can talk to your agent; there is no authentication`,
    );
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  deps.signal?.addEventListener("abort", onSignal, { once: true });
  let sidecar: DevSidecar | undefined;
  let agent: StartedAgent | undefined;
  try {
    sidecar = await createDevSidecar({
      grpcPort,
      webPort,
      host,
      allowRemote,
      ...(corsOrigin === undefined ? {} : { corsOrigin }),
      onLog: (l) => print(`  ${l}`),
    });
    print(`agentwire dev sidecar\n  chat:  ${sidecar.webUrl}\n  gRPC:  ${sidecar.grpcUrl}`);
    if (corsOrigin !== undefined) print(`  CORS:  ${corsOrigin} may call the web API`);
    deps.onReady?.(sidecar);
    const grpcAddress = sidecar.grpcUrl.replace(/^http:\/\//, "");
    if (values["no-agent"]) print(`  waiting for an agent at ${grpcAddress}`);
    else if (deps.startAgent) {
      agent =
        (await deps.startAgent({ grpcUrl: sidecar.grpcUrl, grpcAddress, signal: stop.signal })) ??
        undefined;
    } else print(`  no bundled agent; connect yours to ${grpcAddress}`);
    print("Press Ctrl-C to stop.");
    if (!stop.signal.aborted)
      await new Promise((resolve) =>
        stop.signal.addEventListener("abort", resolve, { once: true }),
      );
    print("shutting down...");
    return 0;
  } catch (err) {
    const flag = isPortInUse(err) ? OPTION_FLAGS[err.option] : undefined;
    if (flag !== undefined) {
      const port = isPortInUse(err) && err.option === "grpcPort" ? grpcPort : webPort;
      printError(
        `agentwire dev: port ${port} on ${host} is already in use; pick another with ${flag} N (0 = any free port)`,
      );
    } else printError(`agentwire dev: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stop.abort();
    await agent?.close();
    await sidecar?.close();
  }
}
