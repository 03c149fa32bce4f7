/**
 * Listening on a port and closing gracefully: what both sidecars do with
 * their servers, with one grace period for HTTP/2 sessions.
 *
 * @module
 */
import type { Http2Server, Http2Session } from "node:http2";
import type { AddressInfo, Server } from "node:net";
import { SidecarOptionError } from "./option-checks.js";

/** Milliseconds a graceful close waits for HTTP/2 sessions to end before destroying them. */
export const SESSION_CLOSE_GRACE_MS = 2000;

/**
 * Listens on `port` of `host` and resolves with the port bound; a port in use
 * rejects with a {@link SidecarOptionError} naming `option` (its `cause` is
 * the EADDRINUSE error).
 */
export function listenOn(server: Server, port: number, host: string, option: string) {
  return new Promise<number>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") return reject(err);
      const message = `port ${port} on ${host} is already in use; pick another (0 = any free port)`;
      reject(new SidecarOptionError(option, message, err));
    });
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Whether `err` is a port-in-use error from {@link listenOn}. */
export function isPortInUse(err: unknown): err is SidecarOptionError {
  return (
    err instanceof SidecarOptionError &&
    (err.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE"
  );
}

/** Closes a server that is not HTTP/2 (or not listening); resolves once it closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An HTTP/2 server whose sessions are tracked, so that it can close gracefully. */
export interface TrackedHttp2Server {
  /** Stops listening, asks every session to close and destroys those left after the grace period. */
  close(): Promise<void>;
}

/** Tracks the sessions of `server` from now on. */
export function trackHttp2Sessions(server: Http2Server): TrackedHttp2Server {
  const sessions = new Set<Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  return {
    async close() {
      const closed = closeServer(server);
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, SESSION_CLOSE_GRACE_MS);
      await closed;
      clearTimeout(grace);
    },
  };
}

/** The URL of `host:port` (IPv6 hosts in brackets). */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
