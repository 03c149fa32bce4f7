/**
 * A live-audio client for tests: a real `ws` WebSocket to a conversation's
 * audio route, with the sidecar's JSON messages queued for the test, its
 * close as a promise, and a refused upgrade as its HTTP status and body.
 */
import WebSocket from "ws";
import { Inbox } from "../../helpers/step.js";

/** A JSON message from the sidecar (`audio.started`, `audio.done`, `error`). */
export type AudioReply = { readonly type: string } & Record<string, unknown>;

/** An open live-audio socket. */
export interface AudioClient {
  readonly ws: WebSocket;
  /** The sidecar's JSON messages, in order. */
  readonly replies: Inbox<AudioReply>;
  /** Settles with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends a JSON text message. */
  json(message: Record<string, unknown>): void;
  /** Sends one binary message. */
  binary(data: Uint8Array): void;
}

/** How an upgrade went: open, or refused with an HTTP status and JSON body. */
export type AudioUpgrade =
  | { readonly kind: "open"; readonly client: AudioClient }
  | { readonly kind: "refused"; readonly status: number; readonly body: Record<string, unknown> };

/** Opens `/api/conversations/{id}/audio` on `webUrl` as a WebSocket. */
export function upgradeAudio(
  webUrl: string,
  conversationId: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
): Promise<AudioUpgrade> {
  const url = `${webUrl.replace(/^http/, "ws")}/api/conversations/${conversationId}/audio`;
  const ws = new WebSocket(url, { origin: options.origin, headers: options.headers });
  const replies = new Inbox<AudioReply>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on("message", (data, isBinary) => {
    if (!isBinary) replies.push(JSON.parse(String(data)) as AudioReply);
  });
  ws.on("error", () => {}); // a refusal or reset shows as "unexpected-response" or a close
  return new Promise((resolve, reject) => {
    ws.on("open", () => {
      resolve({
        kind: "open",
        client: {
          ws,
          replies,
          closed,
          json: (message) => ws.send(JSON.stringify(message)),
          binary: (data) => ws.send(data, { binary: true }),
        },
      });
    });
    ws.on("unexpected-response", (req, res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        req.destroy();
        resolve({ kind: "refused", status: res.statusCode ?? 0, body: JSON.parse(text || "{}") });
      });
      res.on("error", reject);
    });
    ws.on("close", () => reject(new Error("the socket closed before it opened")));
  });
}

/** Opens the audio socket and fails the test when the upgrade is refused. */
export async function openAudio(
  webUrl: string,
  conversationId: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
): Promise<AudioClient> {
  const upgrade = await upgradeAudio(webUrl, conversationId, options);
  if (upgrade.kind !== "open") {
    throw new Error(
      `the audio upgrade was refused: ${upgrade.status} ${JSON.stringify(upgrade.body)}`,
    );
  }
  return upgrade.client;
}
