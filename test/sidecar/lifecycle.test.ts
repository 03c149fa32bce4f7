import { request } from "node:http";
import { createServer } from "node:net";
import { createDevSidecar, type DevSidecar, DevSidecarOptionError, main } from "agentwire/sidecar";
import { describe, expect, it } from "vitest";
import { startHarness } from "./support/harness.js";

function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

function networkHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r.startsWith("TCP") || r.startsWith("Http2"));
}

describe("lifecycle", () => {
  it("close() ends agent and SSE streams, frees both ports and leaves no handles", async () => {
    const before = networkHandles();
    const h = await startHarness({ heartbeatIntervalMs: 10 });
    const agent = await h.registeredAgent();
    const id = await h.conversation();
    const sse = await h.sse(id);
    await sse.nextEvent("heartbeat");
    await h.send(id, "pending");
    await agent.nextMessage();
    const { grpcPort, webPort } = h.sidecar;
    await h.sidecar.close();
    const end = await agent.ended;
    expect(end.ok).toBe(true);
    await sse.ended;
    await listenOnce(grpcPort);
    await listenOnce(webPort);
    await h.stop();
    // Sockets closed by the peer are released on the next turns of the event loop.
    for (let i = 0; i < 10 && networkHandles().length > before.length; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(networkHandles()).toEqual(before);
    expect(h.sidecar.agentConnected).toBe(false);
  });

  it("refuses a non-loopback host unless allowRemote is set", async () => {
    await expect(
      createDevSidecar({ host: "0.0.0.0", grpcPort: 0, webPort: 0 }),
    ).rejects.toBeInstanceOf(DevSidecarOptionError);
  });

  it("reports EADDRINUSE and releases the other port", async () => {
    const h = await startHarness();
    await expect(
      createDevSidecar({ grpcPort: 0, webPort: h.sidecar.webPort }),
    ).rejects.toMatchObject({
      reason: "invalid_argument",
      option: "webPort",
      cause: { code: "EADDRINUSE" },
    });
    await h.stop();
  });

  it("answers only localhost Host headers when bound to loopback", async () => {
    const h = await startHarness();
    const status = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request(`${h.sidecar.webUrl}/health`, { headers: { host } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status("evil.example")).toBe(403);
    expect(await status(`localhost:${h.sidecar.webPort}`)).toBe(200);
    await h.stop();
  });
});

describe("cli main", () => {
  it("prints help", async () => {
    const out: string[] = [];
    expect(await main(["--help"], { print: (l) => out.push(l) })).toBe(0);
    expect(out.join("\n")).toContain("--grpc-port");
  });

  it("rejects bad flags and remote hosts without --allow-remote", async () => {
    const err: string[] = [];
    expect(await main(["--grpc-port", "x"], { printError: (l) => err.push(l) })).toBe(2);
    expect(await main(["--host", "0.0.0.0"], { printError: (l) => err.push(l) })).toBe(2);
    expect(err.join("\n")).toContain("--allow-remote");
    expect(await main(["--cors-origin", "*"], { printError: (l) => err.push(l) })).toBe(2);
    expect(err.at(-1)).toContain("--cors-origin must be one origin");
  });

  it("starts the sidecar and the agent, prints the URL and stops on abort", async () => {
    const stop = new AbortController();
    const out: string[] = [];
    let ready: DevSidecar | undefined;
    const calls: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const exit = main(
      ["--grpc-port", "0", "--web-port", "0", "--cors-origin", "http://localhost:5173"],
      {
        print: (l) => {
          out.push(l);
          if (l.startsWith("Press Ctrl-C")) started();
        },
        signal: stop.signal,
        onReady: (s) => {
          ready = s;
        },
        startAgent: ({ grpcUrl }) => {
          calls.push(grpcUrl);
          return { close: () => void calls.push("closed") };
        },
      },
    );
    await running;
    expect(out.join("\n")).toContain(ready?.webUrl ?? "missing");
    expect(calls).toEqual([ready?.grpcUrl]);
    const preflight = await fetch(`${ready?.webUrl}/api/conversations`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(out.join("\n")).toContain("CORS:  http://localhost:5173");
    stop.abort();
    expect(await exit).toBe(0);
    expect(calls).toEqual([ready?.grpcUrl, "closed"]);
    await listenOnce(ready?.webPort ?? -1);
  });
});
