/**
 * Server-sent events for the web chat: per-conversation connections, event
 * ids that count up per conversation, heartbeats, and a bounded buffer of the
 * current turn's events so a client can resume with `Last-Event-ID`; a reader
 * that falls too far behind is dropped rather than buffered without bound.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

/** The SSE event names of the web chat API. */
export type SseEventName =
  | "connected"
  | "chunk"
  | "status"
  | "prompts"
  | "transcript"
  | "interaction"
  | "finish"
  | "error"
  | "heartbeat";

/** An event with its id, as kept in the resume buffer. */
interface BufferedEvent {
  readonly id: number;
  readonly frame: string;
}

interface Channel {
  nextId: number;
  buffer: BufferedEvent[];
  readonly connections: Set<ServerResponse>;
}

/** Options of {@link createSseHub}. */
export interface SseHubOptions {
  /** Milliseconds between `heartbeat` events on each connection. */
  readonly heartbeatIntervalMs: number;
  /** Most events of the current turn kept for `Last-Event-ID` resume. */
  readonly resumeBufferEvents: number;
  /**
   * Most bytes a connection may have waiting to be sent: a reader that falls
   * this far behind (paused, or too slow) is dropped, and resumes by
   * reconnecting with `Last-Event-ID`.
   */
  readonly maxSseBacklogBytes: number;
  /** Receives a line when a reader was dropped. */
  readonly onLog?: ((line: string) => void) | undefined;
}

/** All SSE connections of the web chat, grouped by conversation. */
export interface SseHub {
  /** Total open connections. */
  readonly connectionCount: number;
  /** Takes over `res` as an event stream for `conversationId`, replaying events after `lastEventId`. */
  attach(conversationId: string, res: ServerResponse, lastEventId: number | undefined): void;
  /** Sends an event with the next id of the conversation and buffers it for resume. */
  publish(conversationId: string, event: SseEventName, data: Record<string, unknown>): number;
  /** Forgets the buffered events: a new turn starts. */
  resetBuffer(conversationId: string): void;
  /** Whether a conversation has an open connection. */
  hasConnections(conversationId: string): boolean;
  /** Forgets a conversation's ids and buffer (it was forgotten by the store); no-op while connected. */
  forget(conversationId: string): void;
  /** Ends every connection of a conversation (after a cancel). */
  closeConversation(conversationId: string): void;
  /** Ends every connection (shutdown). */
  close(): void;
}

/** Formats one SSE frame; `data` gets `"type"` = the event name. */
export function formatSseFrame(
  event: SseEventName,
  data: Record<string, unknown>,
  id?: number,
): string {
  const json = JSON.stringify({ type: event, ...data });
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`;
}

/** Creates an {@link SseHub}. */
export function createSseHub(options: SseHubOptions): SseHub {
  const channels = new Map<string, Channel>();
  let count = 0;

  function channel(id: string): Channel {
    let c = channels.get(id);
    if (!c) {
      c = { nextId: 1, buffer: [], connections: new Set() };
      channels.set(id, c);
    }
    return c;
  }

  /** The backlog a connection may have while a `Last-Event-ID` replay drains (the bound plus the replay). */
  const replayAllowance = new WeakMap<ServerResponse, number>();

  /** Writes to one connection; drops the connection once its backlog is over the bound. */
  function send(conversationId: string, res: ServerResponse, frame: string): void {
    if (res.destroyed) return;
    res.write(frame);
    const max = options.maxSseBacklogBytes;
    const limit = replayAllowance.get(res) ?? max;
    if (res.writableLength <= max) replayAllowance.delete(res);
    else if (res.writableLength > limit) {
      options.onLog?.(
        `dropped an event stream of conversation ${conversationId} that fell ${res.writableLength} bytes behind; it may resume with Last-Event-ID`,
      );
      res.destroy();
    }
  }

  return {
    get connectionCount() {
      return count;
    },
    attach(conversationId, res, lastEventId) {
      const c = channel(conversationId);
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.socket?.setNoDelay(true);
      c.connections.add(res);
      count++;
      const connectionId = randomUUID();
      res.write(
        formatSseFrame("connected", {
          conversation_id: conversationId,
          connection_id: connectionId,
        }),
      );
      if (lastEventId !== undefined) {
        // The replay is bounded by resumeBufferEvents; it may drain at the reader's pace.
        let replayed = 0;
        for (const event of c.buffer) {
          if (event.id <= lastEventId) continue;
          res.write(event.frame);
          replayed += Buffer.byteLength(event.frame);
        }
        if (replayed > 0) replayAllowance.set(res, options.maxSseBacklogBytes + replayed);
      }
      const heartbeat = setInterval(
        () =>
          send(
            conversationId,
            res,
            formatSseFrame("heartbeat", { timestamp: new Date().toISOString() }),
          ),
        options.heartbeatIntervalMs,
      );
      res.on("close", () => {
        clearInterval(heartbeat);
        if (c.connections.delete(res)) count--;
      });
    },
    publish(conversationId, event, data) {
      const c = channel(conversationId);
      const id = c.nextId++;
      const frame = formatSseFrame(event, data, id);
      c.buffer.push({ id, frame });
      if (c.buffer.length > options.resumeBufferEvents) c.buffer.shift();
      for (const res of c.connections) send(conversationId, res, frame);
      return id;
    },
    hasConnections(conversationId) {
      return (channels.get(conversationId)?.connections.size ?? 0) > 0;
    },
    forget(conversationId) {
      if (channels.get(conversationId)?.connections.size === 0) channels.delete(conversationId);
    },
    resetBuffer(conversationId) {
      channel(conversationId).buffer = [];
    },
    closeConversation(conversationId) {
      const c = channels.get(conversationId);
      if (c) for (const res of c.connections) res.end();
    },
    close() {
      for (const c of channels.values()) for (const res of c.connections) res.end();
    },
  };
}
