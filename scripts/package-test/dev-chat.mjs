// Drives `agentwire dev` from the outside, the way a person in the web chat
// does: starts the installed command, waits for an agent, creates a
// conversation, subscribes to its SSE stream, sends a message and collects
// the turn's events until `finish` (or cancels it).
import { spawn } from "node:child_process";

/** Rejects naming `what` (a string, or a function read at the timeout) when `promise` does not settle within `timeoutMs`. */
export function within(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const text = typeof what === "function" ? what() : what;
      reject(new Error(`timed out after ${timeoutMs} ms: ${text}`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts a long-running child in its own process group, so stopping it stops
 * whatever it spawned (npx runs the bin in a child of its own). Resolves once
 * `ready(output)` returns a value; rejects if the child exits first.
 */
export async function startProcess({ command, args, cwd, env, ready, what, timeoutMs = 30_000 }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exit;
  const listeners = new Set();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    output += chunk;
    changed();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    output += chunk;
    changed();
  });
  // "close": the child exited and every process holding its stdout (npx's
  // own child too) is gone.
  const exited = new Promise((resolve) =>
    child.once("close", (code, signal) => {
      exit = { code, signal };
      changed();
      resolve(exit);
    }),
  );
  child.once("error", (error) => {
    exit = { code: null, signal: null, error };
    changed();
  });

  /** Resolves with the first value `find(output)` returns; rejects if the child exits first. */
  function waitFor(find, waitWhat, waitMs = 15_000) {
    const found = new Promise((resolve, reject) => {
      const check = () => {
        const value = find(output);
        if (value !== undefined) resolve(value);
        else if (exit)
          reject(
            new Error(
              `${what} exited (${exit.code ?? exit.signal ?? exit.error}) before ${waitWhat}:\n${output}`,
            ),
          );
        else return;
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
    return within(found, waitMs, () => `${waitWhat}; ${what} printed:\n${output}`);
  }

  const value = await waitFor(ready, `${what} was ready`, timeoutMs);
  return {
    value,
    waitFor,
    output: () => output,
    /** Sends SIGTERM to the process group, like Ctrl-C in a terminal; resolves with how the child exited once all of it is gone. */
    async stop(timeoutStopMs = 10_000) {
      if (!exit) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      return within(exited, timeoutStopMs, `${what} to exit after SIGTERM`);
    },
  };
}

/** Starts `npx agentwire dev` in `cwd` on free ports; resolves with its URLs. */
export async function startDevSidecar({ cwd, noAgent }) {
  const args = ["--no-install", "agentwire", "dev", "--grpc-port", "0", "--web-port", "0"];
  if (noAgent) args.push("--no-agent");
  const proc = await startProcess({
    command: "npx",
    args,
    cwd,
    what: `npx ${args.join(" ")}`,
    ready(output) {
      const web = /chat: +(http:\/\/\S+)/.exec(output);
      const grpc = /gRPC: +http:\/\/(\S+)/.exec(output);
      if (web && grpc && output.includes("Press Ctrl-C to stop."))
        return { webUrl: web[1], grpcAddress: grpc[1] };
      return undefined;
    },
  });
  return {
    ...proc.value,
    ...proc,
    /** Stops it and checks that it shut down cleanly (npx itself dies of the SIGTERM). */
    async stop() {
      await proc.stop();
      if (!proc.output().includes("sidecar stopped"))
        throw new Error(`agentwire dev did not shut down cleanly:\n${proc.output()}`);
    },
  };
}

async function json(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

function post(url, body) {
  return json(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * Waits until the sidecar registered an agent stream (it logs that), checks
 * that the stream's first frame was an AgentConfig, and returns the config as
 * the web API serves it.
 */
export async function waitForAgent(sidecar, timeoutMs = 30_000) {
  const line = await sidecar.waitFor(
    (output) => /agent stream #\d+ registered.*/.exec(output)?.[0],
    "an agent to register",
    timeoutMs,
  );
  if (line.includes("was dropped"))
    throw new Error(`the agent's first frame was not an AgentConfig: ${line}`);
  const health = await json(`${sidecar.webUrl}/health`);
  if (health.body?.agent_connected !== true)
    throw new Error(`GET /health after registration: ${JSON.stringify(health.body)}`);
  const config = await json(`${sidecar.webUrl}/api/agent/config`);
  if (config.status !== 200) throw new Error(`GET /api/agent/config: ${config.status}`);
  return config.body;
}

/** Subscribes to a conversation's SSE stream; events are parsed as they arrive. */
async function subscribe(webUrl, conversationId) {
  const abort = new AbortController();
  const res = await fetch(`${webUrl}/api/conversations/${conversationId}/stream`, {
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`GET stream: ${res.status}`);
  const events = [];
  const waiters = new Set();
  let ended = false;
  const notify = () => {
    for (const w of waiters) w();
  };
  (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = { id: undefined, event: "message", data: undefined };
          for (const line of frame.split("\n")) {
            const colon = line.indexOf(": ");
            const [field, value] = [line.slice(0, colon), line.slice(colon + 2)];
            if (field === "id") event.id = Number(value);
            else if (field === "event") event.event = value;
            else if (field === "data") event.data = JSON.parse(value);
          }
          events.push(event);
        }
        notify();
      }
    } catch {
      // aborted by close()
    }
    ended = true;
    notify();
  })();
  return {
    events,
    /** Resolves with the first event from index `from` on that matches. */
    next(predicate, what, from = 0, timeoutMs = 15_000) {
      const found = new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(predicate);
          if (hit) resolve(hit);
          else if (ended) reject(new Error(`the SSE stream ended before ${what}`));
          else return;
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
      return within(found, timeoutMs, () => `${what}; events so far: ${JSON.stringify(events)}`);
    },
    /** Resolves once the server closed the stream. */
    closed(what, timeoutMs = 15_000) {
      const done = new Promise((resolve) => {
        const check = () => {
          if (!ended) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
      return within(done, timeoutMs, what);
    },
    close() {
      abort.abort();
    },
  };
}

/** A conversation of the web chat, with its SSE subscription. */
export async function openConversation(webUrl) {
  const created = await post(`${webUrl}/api/conversations`);
  if (created.status !== 201) throw new Error(`POST /api/conversations: ${created.status}`);
  const id = created.body.conversation_id;
  let stream = await subscribe(webUrl, id);
  await stream.next((e) => e.event === "connected", "the connected event");
  return {
    id,
    get stream() {
      return stream;
    },
    /** Sends a message; resolves with its id and where its events start in `stream.events`. */
    async send(content) {
      const from = stream.events.length;
      const sent = await post(`${webUrl}/api/conversations/${id}/messages`, { content });
      if (sent.status !== 200)
        throw new Error(`POST messages: ${sent.status} ${JSON.stringify(sent.body)}`);
      return { messageId: sent.body.message_id, from };
    },
    /** Sends a message and collects its turn until `finish`. */
    async turn(content) {
      const { messageId, from } = await this.send(content);
      await stream.next((e) => e.event === "finish" || e.event === "error", "the turn's end", from);
      const events = stream.events.slice(from).filter((e) => e.event !== "heartbeat");
      const chunks = events.filter((e) => e.event === "chunk");
      return {
        messageId,
        events,
        chunkTypes: chunks.map((e) => e.data.chunk_type),
        text: chunks.map((e) => e.data.content).join(""),
        responseIds: [...new Set(chunks.map((e) => e.data.response_id))],
      };
    },
    /** Presses stop: POST cancel, wait for the stream to close, subscribe again. */
    async cancel() {
      // The dev sidecar wants a non-simple content type on every POST (cross-site refusal).
      const res = await fetch(`${webUrl}/api/conversations/${id}/cancel`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      if (res.status !== 204) throw new Error(`POST cancel: ${res.status}`);
      await stream.closed("the SSE stream to close after cancel");
      stream = await subscribe(webUrl, id);
      await stream.next((e) => e.event === "connected", "the connected event after cancel");
    },
    close() {
      stream.close();
    },
  };
}
