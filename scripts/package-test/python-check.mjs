// The proof from another language: Python stubs generated with grpcio-tools
// from the protos of the installed (packed) package, and the Python echo agent
// of examples/python driven through the dev sidecar's web API: config first,
// an echo turn streamed START, DELTAs, END, and a STOP.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openConversation, startDevSidecar, startProcess, waitForAgent } from "./dev-chat.mjs";

const example = fileURLToPath(new URL("../../examples/python/", import.meta.url));

function expect(ok, what, actual) {
  if (!ok)
    throw new Error(`${what}${actual === undefined ? "" : `; got ${JSON.stringify(actual)}`}`);
}

/**
 * Runs the Python check in `workDir` against the package installed in
 * `consumerDir`; `step(name, fn)` reports each part.
 */
export async function pythonCheck({ consumerDir, workDir, step }) {
  const python = process.env.PYTHON ?? "python3";
  const venv = join(workDir, "venv");
  const py = join(venv, "bin", "python");
  await step("python: virtualenv + pip install -r examples/python/requirements.txt", () => {
    execFileSync(python, ["-m", "venv", venv], { stdio: "inherit" });
    // pip installs from its configured indexes. One retry, not five, unless
    // PIP_RETRIES says otherwise: an index that cannot be reached (a mirror-only
    // machine) would otherwise cost ~8 s of backoff per package.
    const retries = process.env.PIP_RETRIES ? [] : ["--retries", "1"];
    const pip = ["-m", "pip", "install", "--disable-pip-version-check", ...retries];
    try {
      execFileSync(py, [...pip, "-r", join(example, "requirements.txt")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      throw new Error(`pip install failed:\n${error.stdout}${error.stderr}`);
    }
    const versions = execFileSync(py, ["-m", "pip", "list", "--format=freeze"], {
      encoding: "utf8",
    });
    return versions
      .split("\n")
      .filter((l) => /^(grpcio|grpcio-tools|protobuf)==/.test(l))
      .join(" ");
  });

  const protoRoot = join(consumerDir, "node_modules", "agentwire", "proto");
  const gen = join(workDir, "python-gen");
  await step("python: generate stubs from the packed protos (grpc_tools.protoc)", () => {
    mkdirSync(gen, { recursive: true });
    const files = readdirSync(join(protoRoot, "astro/messaging/v1"))
      .filter((f) => f.endsWith(".proto"))
      .map((f) => `astro/messaging/v1/${f}`);
    expect(files.length > 0, `no .proto files under ${protoRoot}`);
    execFileSync(
      py,
      [
        "-m",
        "grpc_tools.protoc",
        `-I${protoRoot}`,
        `--python_out=${gen}`,
        `--pyi_out=${gen}`,
        `--grpc_python_out=${gen}`,
        ...files,
      ],
      { stdio: "inherit" },
    );
    return `${files.length} protos -> ${gen}`;
  });

  const sidecar = await step("python: npx agentwire dev --no-agent", () =>
    startDevSidecar({ cwd: consumerDir, noAgent: true }),
  );
  let agent;
  try {
    agent = await step("python: start examples/python/echo_agent.py", async () => {
      const proc = await startProcess({
        command: py,
        args: [join(example, "echo_agent.py")],
        cwd: workDir,
        env: { PYTHONPATH: gen, GRPC_SERVER_ADDR: sidecar.grpcAddress, PYTHONUNBUFFERED: "1" },
        what: "the Python echo agent",
        ready: (output) => (output.includes('"event": "connected"') ? true : undefined),
      });
      return { ...proc, ...agentLog(proc) };
    });

    await step("python: the config is the first frame (GET /api/agent/config)", async () => {
      const config = await waitForAgent(sidecar);
      expect(
        typeof config.systemPrompt === "string" && config.systemPrompt.includes("from Python"),
        "the sidecar did not store the Python agent's AgentConfig",
        config,
      );
      return `systemPrompt ${JSON.stringify(config.systemPrompt)}`;
    });

    const conversation = await openConversation(sidecar.webUrl);
    try {
      await step("python: an echo turn streams START, DELTAs, END over SSE", async () => {
        const turn = await conversation.turn("hello from python");
        const types = turn.chunkTypes;
        expect(types[0] === "start", "the first chunk is not START", types);
        expect(types.at(-1) === "end", "the last chunk is not END", types);
        expect(
          types.length >= 4 && types.slice(1, -1).every((t) => t === "delta"),
          "expected DELTAs between START and END",
          types,
        );
        expect(turn.text === "echo: hello from python", "wrong reply text", turn.text);
        expect(
          turn.responseIds.length === 1 && turn.responseIds[0] === turn.messageId,
          `every chunk must echo the message id ${turn.messageId}`,
          turn.responseIds,
        );
        expect(
          turn.events.some((e) => e.event === "status" && e.data.status === "THINKING"),
          "no THINKING status before the reply",
          turn.events,
        );
        expect(turn.events.at(-1)?.event === "finish", "the turn did not finish", turn.events);
        return `${types.length} chunks, ${JSON.stringify(turn.text)}`;
      });

      await step("python: STOP ends a running turn; nothing more is sent for it", async () => {
        const { messageId, from } = await conversation.send("count 100000");
        await conversation.stream.next(
          (e) => e.event === "chunk" && e.data.content === "3 ",
          "the count to reach 3",
          from,
        );
        await conversation.cancel();
        const stopped = await agent.waitFor(
          (e) => e.event === "stopped" && e.response_id === messageId,
          `the agent to report the stopped turn ${messageId}`,
        );
        // Were the agent still counting, its DELTAs would show up in the next turn.
        const next = await conversation.turn("hello again");
        expect(
          next.text === "echo: hello again",
          "the turn after the stop is not clean",
          next.text,
        );
        expect(
          next.responseIds.length === 1 && next.responseIds[0] === next.messageId,
          "frames of the stopped turn leaked into the next one",
          next.responseIds,
        );
        expect(
          !agent.events().some((e) => e.event === "ended" && e.response_id === messageId),
          "the agent finished the stopped turn with END",
        );
        return `stopped after ${stopped.deltas} deltas; the next turn is clean`;
      });
    } finally {
      conversation.close();
    }

    await step("python: the agent exits 0 on SIGTERM", async () => {
      const exit = await agent.stop();
      agent = undefined;
      expect(exit.code === 0, "the Python agent did not exit with 0", exit);
      return "ok";
    });
  } finally {
    await agent?.stop();
    await sidecar.stop();
  }
}

/** The agent's JSON lines as parsed events, with a wait for one of them. */
function agentLog(proc) {
  // Complete lines only: the last one may still be arriving.
  const parse = (output) =>
    output
      .split("\n")
      .slice(0, -1)
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
  return {
    events: () => parse(proc.output()),
    waitFor: (predicate, what) => proc.waitFor((output) => parse(output).find(predicate), what),
  };
}
