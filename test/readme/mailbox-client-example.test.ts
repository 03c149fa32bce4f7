import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMailbox } from "agentwire/mailbox";
import { expect, it } from "vitest";
import { projectRoot } from "../helpers/buf.js";
import { startServer } from "../mailbox/client/support/server.js";

// The README's mailbox client example, run as written against the real
// server on 127.0.0.1 (the example reads MAILBOX_URL).
it("the README's mailbox client example sends, watches and replies to all", async () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const start = readme.indexOf('```ts\nimport { createMailbox } from "agentwire/mailbox";');
  expect(start).toBeGreaterThan(0);
  const code = readme.slice(start + 6, readme.indexOf("```", start + 6));
  expect(code).toContain("researcher.watch({ after: 0n })");
  expect(code).toContain("researcher.replyAll(threadId");

  const server = await startServer();
  const previous = process.env.MAILBOX_URL;
  process.env.MAILBOX_URL = server.url;
  const modulePath = join(projectRoot, "test/readme/.mailbox-client-example.generated.ts");
  writeFileSync(modulePath, `${code}\nexport { sent };\n`);
  const check = (agentId: string) => createMailbox({ agentId, baseUrl: server.url });
  const [orchestrator, writer, logger] = [
    check("orchestrator@demo"),
    check("writer@demo"),
    check("logger@demo"),
  ];
  try {
    const example = await import(modulePath);
    expect(example.sent.deliveredTo).toEqual(["researcher@demo", "writer@demo", "logger@demo"]);
    const [reply] = await orchestrator.unread();
    expect(reply?.message).toMatchObject({
      from: "researcher@demo",
      to: ["orchestrator@demo"],
      cc: ["writer@demo"],
      payload: { findings: ["typed", "pushed"] },
    });
    expect((await writer.unread()).map((d) => d.message.from)).toEqual([
      "orchestrator@demo",
      "researcher@demo",
    ]);
    expect((await logger.unread()).map((d) => d.message.from)).toEqual(["orchestrator@demo"]);
  } finally {
    for (const m of [orchestrator, writer, logger]) m.close();
    rmSync(modulePath, { force: true });
    if (previous === undefined) delete process.env.MAILBOX_URL;
    else process.env.MAILBOX_URL = previous;
    await server.close();
  }
});
