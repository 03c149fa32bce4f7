import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { projectRoot } from "../helpers/buf.js";

// The README's agent example is the test next to this one, verbatim, so the
// README cannot drift from code that runs.
it("the README shows stream-agent.test.ts as it is", () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const example = readFileSync(join(projectRoot, "test/readme/stream-agent.test.ts"), "utf8");
  expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  expect(example.trimEnd().split("\n").length).toBeLessThan(30);
});

it("the README shows the mailbox examples as they are", () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  for (const file of ["mailbox-example.test.ts", "mailbox-typed.test.ts"]) {
    const example = readFileSync(join(projectRoot, "test/readme", file), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  }
});
