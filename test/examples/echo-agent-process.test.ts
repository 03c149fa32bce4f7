import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { HealthCheckResponse_Status, HealthCheckResponseSchema } from "agentwire/schema";
import { createDevSidecar } from "agentwire/sidecar";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";
import { answerWithBytes, answerWithStatus, startRawSidecar } from "../helpers/raw-sidecar.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the echo agent with tsx against `address`, collecting its output lines. */
function spawnEchoAgent(address: string) {
  const child = spawn(`${root}node_modules/.bin/tsx`, ["examples/echo-agent.ts"], {
    cwd: root,
    env: { ...process.env, GRPC_SERVER_ADDR: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const take = (d: Buffer) => {
    partial += d.toString();
    const cut = partial.lastIndexOf("\n");
    if (cut < 0) return;
    lines.push(...partial.slice(0, cut).split("\n"));
    partial = partial.slice(cut + 1);
    for (const wake of waiters) wake();
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (code, signal) => {
      for (const wake of waiters) wake();
      resolve([code, signal]);
    }),
  );
  return {
    child,
    lines,
    exited,
    /** Resolves with the index of the first line from `from` on that matches `pattern`. */
    line(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<number> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for a line ${pattern}; got:\n${lines.join("\n")}`));
        }, timeoutMs);
        const check = () => {
          const i = lines.findIndex((l, n) => n >= from && pattern.test(l));
          if (i < 0 && child.exitCode === null) return;
          clearTimeout(timer);
          waiters.delete(check);
          if (i < 0) reject(new Error(`the agent exited; output:\n${lines.join("\n")}`));
          else resolve(i);
        };
        waiters.add(check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

it("runs with tsx against GRPC_SERVER_ADDR and exits 0 on SIGTERM", async () => {
  const fake = createFakeSidecar({ timeoutMs: 15_000 });
  const address = await fake.listen();
  const agent = spawnEchoAgent(address);
  try {
    await fake.waitForAgent();
    const turn = await fake.sendMessage("from a process").ended();
    expect(turn.text()).toBe("echo: from a process");
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toEqual([0, null]);
    expect(agent.lines).toContain(`echo agent: waiting for the sidecar at ${address}`);
    expect(agent.lines.some((l) => l.startsWith("echo agent: closed"))).toBe(true);
  } finally {
    agent.kill();
    await fake.close();
  }
}, 30_000);

it("logs a sidecar outage in a few lines: its start, progress at attempts 2, 4, 8, ..., the recovery", async () => {
  let sidecar = await createDevSidecar({ grpcPort: 0, webPort: 0 });
  const grpcPort = sidecar.grpcPort;
  const agent = spawnEchoAgent(`127.0.0.1:${grpcPort}`);
  try {
    await agent.line(/^echo agent: connected to the sidecar$/);
    await sidecar.whenAgentConnected();
    const before = agent.lines.length;
    await sidecar.close();
    // Wait until the outage has lasted 8 attempts, then bring the sidecar back.
    await agent.line(/attempt 8\b/, before);
    sidecar = await createDevSidecar({ grpcPort, webPort: 0 });
    const back = await agent.line(/connection back after \d+ failed attempts/, before);
    await sidecar.whenAgentConnected();
    const outage = agent.lines.slice(before, back + 1);
    const failed = Number(/after (\d+) failed/.exec(outage.at(-1) ?? "")?.[1]);
    // One line when it starts, one per power of two attempts, one on recovery.
    expect(outage[0]).toMatch(/^echo agent: sidecar connection lost \(.+\); reconnecting/);
    const progress = outage.slice(1, -1);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(outage.length).toBeLessThanOrEqual(2 + Math.floor(Math.log2(failed)));
    const attempts = progress.map((l) => Number(/attempt (\d+)/.exec(l)?.[1]));
    expect(attempts.slice(0, 3)).toEqual([2, 4, 8]);
    for (const [i, l] of progress.entries()) {
      expect(l).toMatch(
        /^echo agent: still reconnecting after [\d.]+ s: attempt \d+, next in \d+ ms; last error: .+/,
      );
      expect(attempts[i]).toBe(2 ** (i + 1));
    }
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toEqual([0, null]);
  } finally {
    agent.kill();
    await sidecar.close();
  }
}, 40_000);

it("says why and exits 1 when the sidecar answers UNIMPLEMENTED", async () => {
  const raw = await startRawSidecar(
    answerWithStatus(Code.Unimplemented, "not a messaging sidecar"),
  );
  const agent = spawnEchoAgent(raw.address);
  try {
    const [code] = await agent.exited;
    expect(code).toBe(1);
    const why = agent.lines.find((l) => l.startsWith("echo agent: giving up"));
    expect(why).toMatch(/giving up on the sidecar at 127\.0\.0\.1:\d+: .*not a messaging sidecar/);
    expect(why).toMatch(/unimplemented/i);
  } finally {
    agent.kill();
    await raw.close();
  }
}, 30_000);

it("says why and exits 1 when the sidecar is healthy but answers the conversation stream with UNIMPLEMENTED", async () => {
  const health = toBinary(
    HealthCheckResponseSchema,
    create(HealthCheckResponseSchema, { status: HealthCheckResponse_Status.HEALTHY }),
  );
  const framed = new Uint8Array(5 + health.length);
  new DataView(framed.buffer).setUint32(1, health.length);
  framed.set(health, 5);
  const raw = await startRawSidecar((stream, headers) => {
    if (String(headers[":path"]).endsWith("/HealthCheck")) {
      answerWithBytes(() => framed)(stream);
      return;
    }
    answerWithStatus(Code.Unimplemented, "no conversations here")(stream);
  });
  const agent = spawnEchoAgent(raw.address);
  try {
    const [code] = await agent.exited;
    expect(code).toBe(1);
    const why = agent.lines.find((l) => l.startsWith("echo agent: giving up"));
    expect(why).toMatch(/no conversations here/);
    expect(raw.streams()).toBeGreaterThanOrEqual(2);
  } finally {
    agent.kill();
    await raw.close();
  }
}, 30_000);
