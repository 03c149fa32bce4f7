/**
 * Starts a dev sidecar on 127.0.0.1 port 0 for one test and offers small
 * helpers for the web API; `stop()` closes the agents first, then the sidecar.
 */
import { createDevSidecar, type DevSidecar, type DevSidecarOptions } from "agentwire/sidecar";
import { connectRawAgent, type RawAgent } from "./raw-agent.js";
import { openSse, type SseSubscription } from "./sse-client.js";

/** A running sidecar plus everything a test opened against it. */
export interface Harness {
  readonly sidecar: DevSidecar;
  /** Opens a raw agent stream (closed by `stop`). */
  agent(first?: Parameters<typeof connectRawAgent>[1]): RawAgent;
  /** Opens an agent and waits until the sidecar registered it. */
  registeredAgent(): Promise<RawAgent>;
  /** Subscribes to a conversation's SSE stream (closed by `stop`). */
  sse(conversationId: string, lastEventId?: number): Promise<SseSubscription>;
  /** `fetch` against the web server. */
  web(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs JSON. */
  post(path: string, body?: unknown): Promise<Response>;
  /** Creates a conversation and returns its id. */
  conversation(): Promise<string>;
  /** Sends a message; returns the response. */
  send(conversationId: string, content: string): Promise<Response>;
  /** Resolves with the first sidecar log line (since start) matching `pattern`. */
  log(pattern: RegExp): Promise<string>;
  /** Closes everything the test opened. */
  stop(): Promise<void>;
}

/** Starts a sidecar with test-friendly defaults. */
export async function startHarness(options: DevSidecarOptions = {}): Promise<Harness> {
  const lines: string[] = [];
  const logWaiters = new Set<() => void>();
  const sidecar = await createDevSidecar({
    grpcPort: 0,
    webPort: 0,
    ...options,
    onLog(line) {
      lines.push(line);
      for (const wake of logWaiters) wake();
    },
  });
  const agents: RawAgent[] = [];
  const subs: SseSubscription[] = [];
  const h: Harness = {
    sidecar,
    agent(first) {
      const a = connectRawAgent(sidecar.grpcUrl, first);
      agents.push(a);
      return a;
    },
    async registeredAgent() {
      const a = h.agent();
      await sidecar.whenAgentConnected();
      return a;
    },
    async sse(conversationId, lastEventId) {
      const s = await openSse(
        `${sidecar.webUrl}/api/conversations/${conversationId}/stream`,
        lastEventId,
      );
      subs.push(s);
      return s;
    },
    log(pattern) {
      return new Promise((resolve) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (line === undefined) return false;
          logWaiters.delete(check);
          resolve(line);
          return true;
        };
        if (!check()) logWaiters.add(check);
      });
    },
    web: (path, init) => fetch(`${sidecar.webUrl}${path}`, init),
    post: (path, body) =>
      fetch(`${sidecar.webUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async conversation() {
      const res = await h.post("/api/conversations");
      return ((await res.json()) as { conversation_id: string }).conversation_id;
    },
    send: (conversationId, content) =>
      h.post(`/api/conversations/${conversationId}/messages`, { content }),
    async stop() {
      for (const s of subs) s.close();
      for (const a of agents) a.abort();
      await Promise.all(agents.map((a) => a.ended));
      await Promise.all(subs.map((s) => s.ended));
      await sidecar.close();
    },
  };
  return h;
}
