#!/usr/bin/env node
// The package as others consume it. Packs agentwire (`npm pack` runs `prepare`,
// which builds dist/), checks the tarball's file list, installs it into a fresh
// project (TypeScript strict, module nodenext; dependencies from the registry),
// and there: imports every subpath export of package.json `exports`,
// type-checks and runs the README's agent against `npx agentwire dev
// --no-agent`, runs the bundled echo agent, and finally the Python agent of
// examples/python on stubs generated from the packed protos.
//
//   node scripts/package-test.mjs [--skip-python] [--keep]
//
// Prints one line per step and PASS or FAIL; exits non-zero on failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  openConversation,
  startDevSidecar,
  startProcess,
  waitForAgent,
} from "./package-test/dev-chat.mjs";
import { pythonCheck } from "./package-test/python-check.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: flags } = parseArgs({
  options: { "skip-python": { type: "boolean" }, keep: { type: "boolean" } },
});
const work = mkdtempSync(join(tmpdir(), "agentwire-package-"));
const consumer = join(work, "consumer");
const began = Date.now();
let steps = 0;

/** Runs one named step, printing ok/FAIL with its time and what it found. */
async function step(name, fn) {
  const t = Date.now();
  try {
    const result = await fn();
    steps++;
    const detail = typeof result === "string" ? `  ${result}` : "";
    console.log(`ok    ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)${detail}`);
    return result;
  } catch (error) {
    console.log(`FAIL  ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    throw error;
  }
}

function expect(ok, what) {
  if (!ok) throw new Error(what);
}

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Every file path of an export's target, through nested conditions. */
function targetsOf(target) {
  if (typeof target === "string") return [target];
  if (target === null) return [];
  return Object.values(target).flatMap(targetsOf);
}

/**
 * Subpath exports: modules are imported; pattern exports (`./proto/*`) and
 * non-module files (`./package.json`) are resolved.
 */
function exportsOf(manifest) {
  return Object.entries(manifest.exports).map(([key, target]) => {
    const targets = targetsOf(target);
    return {
      key,
      specifier: key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`,
      targets,
      resolveOnly: key.includes("*") || !targets.some((t) => /\.[cm]?js$/.test(t)),
    };
  });
}

/** The ```ts blocks of the README that import agentwire (fragments and vitest tests aside). */
function readmeBlocks() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const blocks = [];
  for (const m of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const line = readme.slice(0, m.index).split("\n").length;
    const code = m[1];
    if (!/from "agentwire[/"]/.test(code) || /from "vitest"/.test(code)) continue;
    blocks.push({
      line,
      code,
      install: readme.lastIndexOf("\n## ", m.index) === readme.indexOf("\n## Install"),
    });
  }
  return blocks;
}

async function main() {
  const pack = join(work, "pack");
  mkdirSync(pack);
  const tarball = await step("npm pack (prepare builds dist/)", () => {
    const [info] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", pack], root));
    return {
      path: join(pack, info.filename),
      files: info.files.map((f) => f.path),
      size: info.size,
    };
  });
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const exported = exportsOf(manifest);

  await step("the tarball's file list", () => {
    const listing = run("tar", ["-tvzf", tarball.path]);
    const files = tarball.files;
    const forbidden = files.filter(
      (f) =>
        /^(test|bench|scripts|\.ci|src|examples|gen|node_modules|coverage|docs)\//.test(f) ||
        /(^|\/)fixtures\//.test(f) ||
        /\.(map|tsbuildinfo)$/.test(f) ||
        /\.test\.[cm]?[jt]s$/.test(f) ||
        /^(tsconfig.*|biome|vitest\.config\..*|package-lock)\.json$/.test(f),
    );
    expect(forbidden.length === 0, `files that must not ship:\n  ${forbidden.join("\n  ")}`);
    const protos = readdirSync(join(root, "proto/astro/messaging/v1")).map(
      (f) => `proto/astro/messaging/v1/${f}`,
    );
    const needed = ["package.json", "README.md", "buf.yaml", manifest.bin.agentwire, ...protos];
    for (const e of exported.filter((x) => !x.key.includes("*")))
      for (const t of e.targets) needed.push(t.replace(/^\.\//, ""));
    const missing = needed.filter((f) => !files.includes(f));
    expect(missing.length === 0, `files missing from the tarball: ${missing.join(", ")}`);
    expect(
      new RegExp(`^-rwxr-xr-x .* package/${manifest.bin.agentwire}$`, "m").test(listing),
      `${manifest.bin.agentwire} is not executable in the tarball`,
    );
    return `${files.length} files, ${(tarball.size / 1024).toFixed(1)} kB`;
  });

  await step("a fresh project: npm install the tarball (dependencies from the registry)", () => {
    mkdirSync(join(consumer, "src"), { recursive: true });
    const pkg = { name: "agentwire-consumer", private: true, type: "module" };
    writeFileSync(join(consumer, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        // Connect's declarations use fetch's HeadersInit (lib DOM); with DOM the
        // declarations of every package, agentwire's first, are checked too.
        lib: ["ES2023", "DOM"],
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        skipLibCheck: false,
        types: ["node"],
        outDir: "dist",
        rootDir: "src",
      },
      include: ["src"],
    };
    writeFileSync(join(consumer, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
    // What a consumer adds itself: @bufbuild/protobuf for the schema API, Node's types,
    // and the MCP SDK that agentwire/mailbox-mcp is built on (an optional peer). The
    // native drivers (better-sqlite3, pg) are left out: no export may load them on import.
    const protobuf = `@bufbuild/protobuf@${manifest.dependencies["@bufbuild/protobuf"]}`;
    const mcp = `@modelcontextprotocol/sdk@${manifest.peerDependencies["@modelcontextprotocol/sdk"]}`;
    run(
      "npm",
      ["install", "--no-audit", "--no-fund", tarball.path, protobuf, mcp, "@types/node@20"],
      consumer,
    );
    const installed = JSON.parse(
      readFileSync(join(consumer, "node_modules/agentwire/package.json"), "utf8"),
    );
    return `agentwire ${installed.version}, ${protobuf}, ${mcp}, @types/node@20`;
  });

  await step("import every subpath export at run time", () => {
    const plain = exported.filter((e) => !e.resolveOnly).map((e) => e.specifier);
    // A pattern export (`./proto/*`) is resolved for every packed file it maps.
    const patterned = exported
      .filter((e) => e.resolveOnly)
      .flatMap((e) => {
        const [before, after = ""] = e.targets[0].replace(/^\.\//, "").split("*");
        const hits = tarball.files.filter((f) => f.startsWith(before) && f.endsWith(after));
        expect(hits.length > 0, `no packed file matches the export ${e.key}`);
        return hits.map((f) =>
          e.specifier.replace("*", f.slice(before.length, f.length - after.length)),
        );
      });
    const script = `
      const out = [];
      for (const s of ${JSON.stringify(plain)}) {
        const m = await import(s);
        if (Object.keys(m).length === 0) throw new Error(s + " exports nothing");
        out.push(s + " (" + Object.keys(m).length + ")");
      }
      const { access } = await import("node:fs/promises");
      for (const p of ${JSON.stringify(patterned)}) await access(new URL(import.meta.resolve(p)));
      if (${patterned.length} > 0) out.push(${JSON.stringify(`${patterned.length} files resolved (pattern and file exports)`)});
      console.log(out.join(", "));`;
    return run(process.execPath, ["--input-type=module", "-e", script], consumer).trim();
  });

  const blocks = readmeBlocks();
  const agentBlock = blocks.find((b) => b.install);
  await step("type-check the subpath exports and the README's examples (strict, nodenext)", () => {
    expect(
      agentBlock !== undefined,
      'no ```ts block importing agentwire under "## Install" in README.md',
    );
    const imports = exported
      .filter((e) => !e.resolveOnly)
      .map((e, i) => `import * as e${i} from "${e.specifier}";`);
    const all = exported.filter((e) => !e.resolveOnly).map((_, i) => `e${i}`);
    writeFileSync(
      join(consumer, "src/exports.ts"),
      `${imports.join("\n")}\nexport const all = [${all.join(", ")}];\n`,
    );
    for (const b of blocks) {
      const name = b === agentBlock ? "agent.ts" : `readme-line-${b.line}.ts`;
      writeFileSync(join(consumer, "src", name), `// README.md line ${b.line}\n${b.code}`);
    }
    const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
    try {
      run(process.execPath, [tsc, "-p", consumer], consumer);
    } catch (error) {
      throw new Error(`tsc failed in the consumer project:\n${error.stdout}${error.stderr}`);
    }
    return `${blocks.length} README blocks + ${imports.length} subpath exports`;
  });

  const sidecar = await step("npx agentwire dev --no-agent (the installed bin, plain node)", () =>
    startDevSidecar({ cwd: consumer, noAgent: true }),
  );
  try {
    const agent = await step("the README's agent, compiled, against it", async () => {
      const proc = await startProcess({
        command: process.execPath,
        args: ["dist/agent.js"],
        cwd: consumer,
        env: { GRPC_SERVER_ADDR: sidecar.grpcAddress },
        what: "the README agent",
        ready: () => true,
      });
      await waitForAgent(sidecar);
      return proc;
    });
    await step("one echo turn through the web API (SSE)", async () => {
      const conversation = await openConversation(sidecar.webUrl);
      try {
        const turn = await conversation.turn("hello from the package test");
        expect(
          turn.text === "echo: hello from the package test",
          `reply ${JSON.stringify(turn.text)}`,
        );
        expect(
          turn.chunkTypes[0] === "start" && turn.chunkTypes.at(-1) === "end",
          `chunks ${turn.chunkTypes}`,
        );
        expect(turn.responseIds.join() === turn.messageId, `response ids ${turn.responseIds}`);
        return `${turn.chunkTypes.join(" ")} ${JSON.stringify(turn.text)}`;
      } finally {
        conversation.close();
      }
    });
    await agent.stop();
  } finally {
    await sidecar.stop();
  }

  await step("npx agentwire dev with its bundled echo agent (dist/examples)", async () => {
    const dev = await startDevSidecar({ cwd: consumer, noAgent: false });
    try {
      await waitForAgent(dev);
      const conversation = await openConversation(dev.webUrl);
      const turn = await conversation.turn("hi there");
      conversation.close();
      expect(turn.text === "echo: hi there", `reply ${JSON.stringify(turn.text)}`);
      return JSON.stringify(turn.text);
    } finally {
      await dev.stop();
    }
  });

  await step("the README's schema example runs", () => {
    const schema = blocks.find((b) => b.code.includes('from "@bufbuild/protobuf"'));
    expect(schema !== undefined, "no README block using @bufbuild/protobuf");
    run(process.execPath, [`dist/readme-line-${schema.line}.js`], consumer);
    return `README.md line ${schema.line}`;
  });

  if (!flags["skip-python"]) await pythonCheck({ consumerDir: consumer, workDir: work, step });
}

try {
  await main();
  console.log(`package test: PASS (${steps} steps, ${((Date.now() - began) / 1000).toFixed(1)} s)`);
} catch (error) {
  console.error(`\n${error.stack ?? error}`);
  if (error.stdout || error.stderr) console.error(`${error.stdout ?? ""}${error.stderr ?? ""}`);
  console.log(`package test: FAIL (after ${((Date.now() - began) / 1000).toFixed(1)} s)`);
  process.exitCode = 1;
} finally {
  if (flags.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
