/**
 * Server-sent events for the web chat: per-conversation connections, event
 * ids that count up per conversation, heartbeats, and a bounded buffer of the
 * current turn's events so a client can resume with `Last-Event-ID`, and so a
 * late joiner (a new connection without it) gets the running turn from its
 * start, or a turn that ended moments before; a reader that falls too far
 * behind is dropped rather than buffered without bound.
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
  | "injected"
  | "heartbeat";

/** An event with its id, as kept in the resume buffer. */
interface BufferedEvent {
  readonly id: number;
  readonly frame: string;
}

interface Channel {
  nextId: number;
  buffer: BufferedEvent[];
  /** Whether the buffered turn still runs. */
  turnRunning: boolean;
  /** When the buffered turn ended (performance.now()), if it did. */
  turnEndedAt: number | undefined;
  readonly connections: Set<ServerResponse>;
}

/** Options of {@link createSseHub}. */
export interface SseHubOptions {
  /** Milliseconds between `heartbeat` events on each connection. */
  readonly heartbeatIntervalMs: number;
  /** Most events of the current turn kept for `Last-Event-ID` resume and late joiners. */
  readonly resumeBufferEvents: number;
  /**
   * For how many milliseconds after a turn ended a new connection without
   * `Last-Event-ID` still gets that turn's events (see `attach`).
   */
  readonly lateJoinWindowMs: number;
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
  /**
   * Takes over `res` as an event stream for `conversationId`, replaying the
   * buffered events after `lastEventId`, or (without one) the running turn's
   * events, or those of a turn that ended within `lateJoinWindowMs`.
   */
  attach(conversationId: string, res: ServerResponse, lastEventId: number | undefined): void;
  /** Sends an event with the next id of the conversation and buffers it for resume. */
  publish(conversationId: string, event: SseEventName, data: Record<string, unknown>): number;
  /** Forgets the buffered events: a new turn starts, and its events are buffered from here. */
  beginTurn(conversationId: string): void;
  /** The running turn ended (finish, error, stop): late joiners get it for `lateJoinWindowMs` more. */
  endTurn(conversationId: string): void;
  /** Whether a conversation has an open connection. */
  hasConnections(conversationId: string): boolean;
  /** Forgets a conversation's ids and buffer (it was forgotten by the store); no-op while connected. */
  forget(conversationId: string): void;
  /** Ends every connection of a conversation and forgets its ids and buffer (it was deleted). */
  drop(conversationId: string): void;
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
      c = {
        nextId: 1,
        buffer: [],
        turnRunning: false,
        turnEndedAt: undefined,
        connections: new Set(),
      };
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

  /**
   * What a new connection is sent after `connected`. With `Last-Event-ID`: the
   * buffered events after it (a resume). Without: a client that opens its
   * stream per message, just after its POST (the upstream playground does,
   * 8–30 ms later), must not miss the turn it started, however fast the agent
   * was; so it gets the running turn from its start, or a turn that ended
   * less than `lateJoinWindowMs` ago (by default 5 s: far more than the
   * POST-then-connect gap of a loaded machine, short enough that opening a
   * conversation later does not replay an old reply). Both are bounded by
   * the turn buffer (`resumeBufferEvents`).
   */
  function replayFor(c: Channel, lastEventId: number | undefined): readonly BufferedEvent[] {
    if (lastEventId !== undefined) return c.buffer.filter((e) => e.id > lastEventId);
    if (c.turnRunning) return c.buffer;
    const endedAt = c.turnEndedAt;
    if (endedAt !== undefined && performance.now() - endedAt <= options.lateJoinWindowMs) {
      return c.buffer;
    }
    return [];
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
      const replay = replayFor(c, lastEventId);
      const through = replay.at(-1)?.id;
      res.write(
        formatSseFrame("connected", {
          conversation_id: conversationId,
          connection_id: connectionId,
          // A late joiner learns which replayed events belong to a turn that already ended.
          ...(lastEventId === undefined && through !== undefined
            ? { replay: { through, turn_running: c.turnRunning } }
            : {}),
        }),
      );
      // The replay is bounded by resumeBufferEvents; it may drain at the reader's pace.
      let replayed = 0;
      for (const event of replay) {
        res.write(event.frame);
        replayed += Buffer.byteLength(event.frame);
      }
      if (replayed > 0) replayAllowance.set(res, options.maxSseBacklogBytes + replayed);
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
    beginTurn(conversationId) {
      const c = channel(conversationId);
      c.buffer = [];
      c.turnRunning = true;
      c.turnEndedAt = undefined;
    },
    endTurn(conversationId) {
      const c = channels.get(conversationId);
      if (!c?.turnRunning) return;
      c.turnRunning = false;
      c.turnEndedAt = performance.now();
    },
    drop(conversationId) {
      const c = channels.get(conversationId);
      if (!c) return;
      for (const res of c.connections) res.end();
      channels.delete(conversationId);
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
