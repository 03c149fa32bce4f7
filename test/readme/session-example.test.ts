import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFakeSidecar } from "agentwire/testing";
import { expect, it } from "vitest";
import { projectRoot } from "../helpers/buf.js";

// The README's low-level session example, run as written against the
// testing kit on a real port (the example reads GRPC_SERVER_ADDR).
it("the README's session example answers a message with status, START, DELTA, END", async () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const start = readme.indexOf(
    '```ts\nimport { createAgentClient, createSession } from "agentwire";',
  );
  const code = readme.slice(start + 6, readme.indexOf("```", start + 6));
  expect(code).toContain("session.sendContent(reply, Chunk.DELTA");

  const fake = createFakeSidecar();
  const address = await fake.listen();
  const previous = process.env.GRPC_SERVER_ADDR;
  process.env.GRPC_SERVER_ADDR = address;
  const modulePath = join(projectRoot, "test/readme/.session-example.generated.ts");
  const { writeFileSync, rmSync } = await import("node:fs");
  writeFileSync(modulePath, `${code}\nexport { client, session };\n`);
  try {
    const example = await import(modulePath);
    await fake.waitForAgent();
    const turn = fake.sendMessage("hi");
    await turn.ended();
    expect(turn.kinds()).toEqual(["status", "content:START", "content:DELTA", "content:END"]);
    expect(turn.text()).toBe("echo: hi");
    await example.session.close();
    example.client.close();
  } finally {
    rmSync(modulePath, { force: true });
    if (previous === undefined) delete process.env.GRPC_SERVER_ADDR;
    else process.env.GRPC_SERVER_ADDR = previous;
    await fake.close();
  }
});
