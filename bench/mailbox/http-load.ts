/**
 * The load client's HTTP side, the same for both servers: `node:http` with a
 * keep-alive agent (a client that wants throughput pools its connections),
 * JSON bodies, and the answer's body bytes and wall time of every call.
 */
import * as http from "node:http";

/** One answered call. */
export interface Answer {
  status: number;
  body: Buffer;
  /** Milliseconds from the request until its last body byte. */
  ms: number;
}

/** A pool of keep-alive connections to one server. */
export interface HttpLoad {
  get(path: string, headers?: http.OutgoingHttpHeaders): Promise<Answer>;
  post(
    path: string,
    body: string | Uint8Array,
    headers?: http.OutgoingHttpHeaders,
  ): Promise<Answer>;
  /** `post` of a JSON value that must answer 2xx; parses the answer. */
  postJson<T>(path: string, value: unknown): Promise<{ value: T; ms: number }>;
  /** `get` that must answer 200; parses the answer. */
  getJson<T>(path: string): Promise<{ value: T; ms: number; bytes: number }>;
}

/** Opens a pool of at most `maxSockets` connections to `baseUrl`. */
export function createHttpLoad(baseUrl: string, maxSockets = 64): HttpLoad {
  const url = new URL(baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`load goes to 127.0.0.1 only, not ${baseUrl}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const call = (
    method: string,
    path: string,
    body: string | Uint8Array | undefined,
    headers: http.OutgoingHttpHeaders,
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: "127.0.0.1", port: url.port, method, path, agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              ms: performance.now() - t0,
            }),
          );
          res.on("error", reject);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on("error", reject);
      req.end(body);
    });
  const ok = (a: Answer, what: string) => {
    if (a.status < 200 || a.status > 299)
      throw new Error(`${what}: HTTP ${a.status} ${a.body.toString("utf8").slice(0, 300)}`);
    return a;
  };
  return {
    get: (path, headers = {}) => call("GET", path, undefined, headers),
    post: (path, body, headers = {}) =>
      call("POST", path, body, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...headers,
      }),
    async postJson<T>(path: string, value: unknown) {
      const body = JSON.stringify(value);
      const a = ok(
        await call("POST", path, body, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        }),
        `POST ${path}`,
      );
      return { value: JSON.parse(a.body.toString("utf8")) as T, ms: a.ms };
    },
    async getJson<T>(path: string) {
      const a = ok(await call("GET", path, undefined, {}), `GET ${path}`);
      return { value: JSON.parse(a.body.toString("utf8")) as T, ms: a.ms, bytes: a.body.length };
    },
  };
}

/** Runs `task(i)` for i in 0..n-1 with at most `concurrency` in flight. */
export async function pool(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

/** A small deterministic PRNG (mulberry32), so both servers get the same load. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
