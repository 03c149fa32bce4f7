/**
 * Test helpers for the mailbox server: a real server on 127.0.0.1 port 0, a
 * JSON client of its HTTP routes over HTTP/1.1 (node:http) or HTTP/2
 * (node:http2), and an SSE reader. Every client keeps track of its
 * connections, so a test closes them before it closes the server.
 */
import { Agent, request as httpRequest } from "node:http";
import { type ClientHttp2Session, connect } from "node:http2";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import {
  createMailboxServer,
  type MailboxServer,
  type MailboxServerOptions,
  MailboxService,
} from "agentwire/mailbox-server";
import { Inbox } from "../helpers/step.js";

/** The HTTP versions the route tests run over. */
export type HttpVersion = "1.1" | "2";

/** A JSON answer. */
export interface JsonAnswer {
  /** The status. */
  readonly status: number;
  /** The parsed body (undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of many shapes.
  readonly body: any;
  /** The raw text of the body. */
  readonly text: string;
  /** The response headers. */
  readonly headers: Record<string, string | string[] | undefined>;
}

/** A JSON client of the AgentMailbox routes over one HTTP version. */
export interface MailboxHttp {
  /** Sends a request; `body` is JSON-encoded unless it is a string or Buffer. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<JsonAnswer>;
  /** `GET path`. */
  get(path: string, headers?: Record<string, string>): Promise<JsonAnswer>;
  /** `POST path` with a JSON body. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonAnswer>;
  /** Closes its connections. */
  close(): Promise<void>;
}

function encode(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
}

function answer(status: number, headers: JsonAnswer["headers"], text: string): JsonAnswer {
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, headers, text, body };
}

/** Creates a JSON client of `url` over HTTP/1.1 or HTTP/2 (h2c, prior knowledge). */
export function mailboxHttp(url: string, version: HttpVersion, auth?: string): MailboxHttp {
  const base = new URL(url);
  const authHeader: Record<string, string> = auth ? { authorization: `Bearer ${auth}` } : {};
  let session: ClientHttp2Session | undefined;
  const agent = new Agent({ keepAlive: true });
  const request: MailboxHttp["request"] = (method, path, body, headers = {}) => {
    const data = encode(body);
    const all: Record<string, string> = {
      ...(data !== undefined && { "content-type": "application/json" }),
      ...authHeader,
      ...headers,
    };
    if (version === "1.1")
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: base.hostname, port: base.port, method, path, headers: all, agent },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => {
              text += c;
            });
            res.on("end", () => resolve(answer(res.statusCode ?? 0, res.headers, text)));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(data);
      });
    session ??= connect(url);
    const s = session;
    return new Promise((resolve, reject) => {
      const stream = s.request({ ":method": method, ":path": path, ...all });
      let status = 0;
      let responseHeaders: JsonAnswer["headers"] = {};
      let text = "";
      stream.setEncoding("utf8");
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        responseHeaders = h as JsonAnswer["headers"];
      });
      stream.on("data", (c: string) => {
        text += c;
      });
      stream.on("end", () => resolve(answer(status, responseHeaders, text)));
      stream.on("error", reject);
      stream.end(data);
    });
  };
  return {
    request,
    get: (path, headers) => request("GET", path, undefined, headers),
    post: (path, body, headers) => request("POST", path, body, headers),
    async close() {
      agent.destroy();
      const s = session;
      session = undefined;
      if (s && !s.closed) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** A running test server and the clients made for it. */
export interface TestMailbox {
  /** The server. */
  readonly server: MailboxServer;
  /** Its base URL. */
  readonly url: string;
  /** A JSON client (closed by `close()`). */
  http(version: HttpVersion, token?: string): MailboxHttp;
  /** Closes every client made here, then the server. */
  close(): Promise<void>;
}

/** Starts a mailbox server on 127.0.0.1 port 0 (`:memory:` unless told otherwise). */
export async function startMailbox(options: MailboxServerOptions = {}): Promise<TestMailbox> {
  const server = await createMailboxServer({ port: 0, ...options });
  const { url } = await server.listen();
  const clients: MailboxHttp[] = [];
  return {
    server,
    url,
    http(version, token) {
      const c = mailboxHttp(url, version, token);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/** One server-sent event as a test sees it. */
export interface SseEvent {
  /** The `id:` field, if any. */
  readonly id: string | undefined;
  /** The data, parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field.
  readonly data: any;
}

/** An open SSE stream: its events and comments arrive in inboxes. */
export interface SseStream {
  /** The status of the answer. */
  readonly status: number;
  /** Its content type. */
  readonly contentType: string | undefined;
  /** Data events, in order. */
  readonly events: Inbox<SseEvent>;
  /** Comment lines (heartbeats), in order. */
  readonly comments: Inbox<string>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  /** Closes the stream from the client side and waits for it to be gone. */
  close(): Promise<void>;
}

/** Parses SSE text as it arrives, pushing events and comments. */
function sseParser(events: Inbox<SseEvent>, comments: Inbox<string>): (chunk: string) => void {
  let buffer = "";
  return (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) comments.push(line.slice(1).trim());
        else if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) events.push({ id, data: JSON.parse(data.join("\n")) });
    }
  };
}

/** Opens `GET path` as an SSE stream over HTTP/1.1 or HTTP/2. */
export function openSse(
  url: string,
  version: HttpVersion,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const events = new Inbox<SseEvent>();
  const comments = new Inbox<string>();
  const parse = sseParser(events, comments);
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    if (version === "1.1") {
      const req = httpRequest(
        { host: base.hostname, port: base.port, path, headers, agent: false },
        (res) => {
          res.setEncoding("utf8");
          res.on("data", parse);
          const ended = new Promise<void>((r) => res.once("close", () => r()));
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            events,
            comments,
            ended,
            async close() {
              req.destroy();
              await ended;
            },
          });
        },
      );
      req.on("error", reject);
      req.end();
      return;
    }
    const session = connect(url);
    session.on("error", reject);
    const stream = session.request({ ":path": path, ...headers });
    stream.setEncoding("utf8");
    stream.on("data", parse);
    stream.on("error", () => {});
    const ended = new Promise<void>((r) => session.once("close", () => r()));
    // The session is this stream's alone: it goes with the stream (a graceful
    // close can wait on frames the server had in flight for the reset stream).
    stream.once("close", () => session.destroy());
    stream.on("response", (h) =>
      resolve({
        status: Number(h[":status"]),
        contentType: h["content-type"] as string | undefined,
        events,
        comments,
        ended,
        async close() {
          stream.close();
          await ended;
        },
      }),
    );
  });
}

/** The typed transports the service tests run over. */
export type TypedTransportKind = "connect-1.1" | "connect-2" | "grpc" | "grpc-web";

/** A generated client of the typed service, with its connections. */
export interface TypedMailbox {
  /** The client. */
  readonly client: Client<typeof MailboxService>;
  /** Closes its connections. */
  close(): void;
}

/** Creates a `MailboxService` client over one transport (a bearer token, when given, on every call). */
export function typedMailbox(url: string, kind: TypedTransportKind, token?: string): TypedMailbox {
  const interceptors: Interceptor[] = token
    ? [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${token}`);
          return next(req);
        },
      ]
    : [];
  if (kind === "connect-1.1") {
    const agent = new Agent({ keepAlive: true });
    const transport = createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      nodeOptions: { agent },
      interceptors,
    });
    return { client: createClient(MailboxService, transport), close: () => agent.destroy() };
  }
  const sessionManager = new Http2SessionManager(url);
  const options = { baseUrl: url, httpVersion: "2" as const, sessionManager, interceptors };
  const transport =
    kind === "grpc"
      ? createGrpcTransport(options)
      : kind === "grpc-web"
        ? createGrpcWebTransport(options)
        : createConnectTransport(options);
  return { client: createClient(MailboxService, transport), close: () => sessionManager.abort() };
}
