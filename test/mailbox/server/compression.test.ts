import * as http from "node:http";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  UnreadRequestSchema,
  WatchRequestSchema,
  WatchResponseSchema,
} from "agentwire/mailbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailbox, type TestMailbox } from "../mailbox-harness.js";

/** One raw HTTP/1.1 POST; resolves with the answer's head and its whole body. */
function post(
  url: string,
  path: string,
  headers: http.OutgoingHttpHeaders,
  body: Uint8Array,
): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Opens a raw Connect server stream and resolves with its head and first enveloped message. */
function firstEnvelope(
  url: string,
  path: string,
  headers: http.OutgoingHttpHeaders,
  body: Uint8Array,
): Promise<{ headers: http.IncomingHttpHeaders; flags: number; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method: "POST", headers }, (res) => {
      let buffered = Buffer.alloc(0);
      res.on("data", (c: Buffer) => {
        buffered = Buffer.concat([buffered, c]);
        if (buffered.length < 5) return;
        const length = buffered.readUInt32BE(1);
        if (buffered.length < 5 + length) return;
        resolve({
          headers: res.headers,
          flags: buffered[0] as number,
          data: buffered.subarray(5, 5 + length),
        });
        req.destroy();
      });
      res.on("error", () => {});
    });
    req.on("error", (e) => reject(e));
    req.end(body);
  });
}

function envelope(message: Uint8Array): Uint8Array {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

// Unary answers are compressed when the client accepts it; Watch frames, small
// and latency-bound, never are, even when the client would accept gzip.
describe("typed service compression", () => {
  let mailbox: TestMailbox;
  const reader = "reader@compression";

  beforeAll(async () => {
    mailbox = await startMailbox();
    const text = "a finding worth reading, ".repeat(60);
    for (let i = 0; i < 3; i++)
      await mailbox.server.core.send({
        from: "writer@compression",
        to: reader,
        payload: { text, i },
      });
  });
  afterAll(async () => {
    await mailbox.close();
  });

  it("gzips a large Unread answer for a client that accepts gzip", async () => {
    const answer = await post(
      mailbox.url,
      "/agentwire.mailbox.v1.MailboxService/Unread",
      { "content-type": "application/proto", "accept-encoding": "gzip" },
      toBinary(UnreadRequestSchema, create(UnreadRequestSchema, { agentId: reader })),
    );
    expect(answer.headers["content-encoding"]).toBe("gzip");
  });

  it("sends Watch frames uncompressed although they are over the 1 KiB threshold", async () => {
    const request = toBinary(
      WatchRequestSchema,
      create(WatchRequestSchema, { agentId: reader, includeContext: true }),
    );
    const first = await firstEnvelope(
      mailbox.url,
      "/agentwire.mailbox.v1.MailboxService/Watch",
      { "content-type": "application/connect+proto", "connect-accept-encoding": "gzip" },
      envelope(request),
    );
    // The stream may name gzip in its head; each envelope's flag says whether it is compressed.
    expect(first.flags & 1).toBe(0);
    expect(first.data.length).toBeGreaterThan(1024);
    const frame = fromBinary(WatchResponseSchema, first.data);
    expect(frame.event.case).toBe("frame");
  });
});
