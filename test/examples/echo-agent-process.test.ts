import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

it("runs with tsx against GRPC_SERVER_ADDR and exits 0 on SIGTERM", async () => {
  const fake = createFakeSidecar({ timeoutMs: 15_000 });
  const address = await fake.listen();
  const child = spawn(`${root}node_modules/.bin/tsx`, ["examples/echo-agent.ts"], {
    cwd: root,
    env: { ...process.env, GRPC_SERVER_ADDR: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (code, signal) => resolve([code, signal])),
  );
  try {
    await fake.waitForAgent();
    const turn = await fake.sendMessage("from a process").ended();
    expect(turn.text()).toBe("echo: from a process");
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    expect(output).toContain(`waiting for the sidecar at ${address}`);
    expect(output).toContain("echo agent: closed");
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await fake.close();
  }
}, 30_000);
