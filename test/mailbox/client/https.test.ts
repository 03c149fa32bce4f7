import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { createServer, type Server } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./support/server.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const root = here("../../../");
const certFile = here("../../fixtures/tls/localhost-cert.pem");

/** A TLS terminator on 127.0.0.1 in front of `target` (the mailbox serves plain HTTP). */
async function startTlsFront(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const { port: targetPort } = new URL(target);
  const server: Server = createServer(
    {
      key: readFileSync(here("../../fixtures/tls/localhost-key.pem")),
      cert: readFileSync(certFile),
    },
    (client) => {
      const up = connect(Number(targetPort), "127.0.0.1");
      for (const s of [client, up]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(up).pipe(client);
      client.on("close", () => up.destroy());
      up.on("close", () => client.destroy());
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("the typed client over https://", () => {
  let server: RunningServer | undefined;
  let front: { close(): Promise<void> } | undefined;
  afterEach(async () => {
    await front?.close();
    front = undefined;
    await server?.close();
    server = undefined;
  });

  it("sends, lists and watches through TLS (a client that trusts the server's certificate)", async () => {
    server = await startServer();
    const tls = await startTlsFront(server.url);
    front = tls;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--import", "tsx", here("support/https-client.ts"), tls.url],
        { cwd: root, env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile }, timeout: 20_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out.trim())).toEqual({
      deliveredTo: ["tls-reader@t"],
      unread: [{ over: "tls" }],
      watched: { over: "tls" },
    });
  });
});
