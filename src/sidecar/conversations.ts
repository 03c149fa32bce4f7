/**
 * The dev sidecar's conversation store: conversations, their history (user
 * messages and agent replies), the running turn of each conversation, the
 * idle reaper that fails a turn nobody answers (spec item 12), a bound on
 * conversations that never had a turn (anyone may name a new id) and one on
 * all conversations.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { HistoryEntry, HistorySource } from "../sidecar-core/history-source.js";

/** The platform name of the web chat. */
export const WEB_PLATFORM = "web";

/** The user message being answered and the reply so far. */
export interface Turn {
  /** The user message id; the agent echoes it as `response_id`. */
  readonly responseId: string;
  /** When the turn began. */
  readonly startedAt: Date;
  /** Idle timer; reset by every frame for the conversation. */
  timer: NodeJS.Timeout | undefined;
}

/** One web conversation. */
export interface Conversation {
  /** The conversation id (also the `channel_id` sent to the agent). */
  readonly id: string;
  /** When it was created. */
  readonly createdAt: Date;
  /** User messages and finished agent replies, oldest first. */
  readonly history: HistoryEntry[];
  /** The running turn, if any. */
  turn: Turn | undefined;
  /** The reply text streamed since the last START (START/DELTA/REPLACE/END). */
  replyText: string;
  /** Response id of the reply being streamed. */
  replyId: string;
  /** After a user stop: content is dropped until the next START (spec item 10). */
  dropUntilStart: boolean;
  /** The response id of the turn the user stopped, whose late frames are dropped. */
  stoppedResponseId: string;
}

/** Options of {@link createConversationStore}. */
export interface ConversationStoreOptions {
  /** Milliseconds without a frame after which a running turn fails. */
  readonly turnIdleTimeoutMs: number;
  /** Called when a turn went idle for `turnIdleTimeoutMs`; the turn is already ended. */
  readonly onTurnIdle: (conversation: Conversation, turn: Turn) => void;
  /** Most conversations kept that never had a turn; beyond it the oldest is forgotten. */
  readonly maxIdleConversations: number;
  /** Most conversations kept in all; beyond it the oldest without a running turn is forgotten. */
  readonly maxConversations: number;
  /** Whether a conversation is in use (e.g. has an open event stream) and must not be forgotten. */
  readonly inUse?: (conversationId: string) => boolean;
  /** Called when an idle conversation was forgotten, to free what else it held. */
  readonly onForget?: (conversationId: string) => void;
}

/** Conversations by id, with turn tracking. */
export interface ConversationStore {
  /** Creates a conversation with a fresh UUID. */
  create(): Conversation;
  /** The conversation with this id, or undefined. */
  get(id: string): Conversation | undefined;
  /** The conversation with this id, created when unknown (clients may outlive a restart). */
  ensure(id: string): Conversation;
  /** All conversations. */
  list(): Iterable<Conversation>;
  /** Forgets a conversation (its turn must have ended); false when there was none. */
  delete(id: string): boolean;
  /** How many conversations are kept. */
  readonly size: number;
  /** Starts a turn for the user message `responseId`; the idle timer starts now. */
  beginTurn(conversation: Conversation, responseId: string): Turn;
  /** Resets the idle timer of the running turn (any frame for the conversation). */
  touch(conversation: Conversation): void;
  /** Stops the idle timer while the turn waits for the user (a renderable); the next frame or answer re-arms it. */
  pause(conversation: Conversation): void;
  /** Ends the running turn and returns it, or undefined when none was running. */
  endTurn(conversation: Conversation): Turn | undefined;
  /** Stops every timer (shutdown). */
  close(): void;
}

/** Creates an empty {@link ConversationStore}. */
export function createConversationStore(options: ConversationStoreOptions): ConversationStore {
  const conversations = new Map<string, Conversation>();
  /** Conversations that had no turn when last looked at, oldest first. */
  const idle = new Map<string, Conversation>();

  /**
   * Forgets the oldest idle conversations beyond the bound; those that got a
   * turn, are in use, or are `keep` (the one just made) stay.
   */
  function trim(keep: string): void {
    for (const [id, c] of idle) {
      if (idle.size <= options.maxIdleConversations) return;
      if (c.history.length > 0 || c.turn !== undefined) {
        idle.delete(id);
      } else if (id !== keep && !options.inUse?.(id)) {
        idle.delete(id);
        conversations.delete(id);
        options.onForget?.(id);
      }
    }
  }

  /** Forgets the oldest conversations beyond maxConversations that have no running turn and are not in use. */
  function trimAll(keep: string): void {
    for (const [id, c] of conversations) {
      if (conversations.size <= options.maxConversations) return;
      if (id === keep || c.turn !== undefined || options.inUse?.(id)) continue;
      conversations.delete(id);
      idle.delete(id);
      options.onForget?.(id);
    }
  }

  function make(id: string): Conversation {
    const conversation: Conversation = {
      id,
      createdAt: new Date(),
      history: [],
      turn: undefined,
      replyText: "",
      replyId: "",
      dropUntilStart: false,
      stoppedResponseId: "",
    };
    conversations.set(id, conversation);
    idle.set(id, conversation);
    trim(id);
    trimAll(id);
    return conversation;
  }

  function arm(conversation: Conversation, turn: Turn): void {
    if (turn.timer) clearTimeout(turn.timer);
    turn.timer = setTimeout(() => {
      if (conversation.turn !== turn) return;
      store.endTurn(conversation);
      options.onTurnIdle(conversation, turn);
    }, options.turnIdleTimeoutMs);
    turn.timer.unref();
  }

  const store: ConversationStore = {
    create: () => make(randomUUID()),
    get: (id) => conversations.get(id),
    ensure: (id) => conversations.get(id) ?? make(id),
    list: () => conversations.values(),
    delete(id) {
      const conversation = conversations.get(id);
      if (!conversation) return false;
      store.endTurn(conversation);
      conversations.delete(id);
      idle.delete(id);
      return true;
    },
    get size() {
      return conversations.size;
    },
    beginTurn(conversation, responseId) {
      store.endTurn(conversation);
      const turn: Turn = { responseId, startedAt: new Date(), timer: undefined };
      conversation.turn = turn;
      arm(conversation, turn);
      return turn;
    },
    touch(conversation) {
      if (conversation.turn) arm(conversation, conversation.turn);
    },
    pause(conversation) {
      const turn = conversation.turn;
      if (turn?.timer) clearTimeout(turn.timer);
      if (turn) turn.timer = undefined;
    },
    endTurn(conversation) {
      const turn = conversation.turn;
      if (!turn) return undefined;
      if (turn.timer) clearTimeout(turn.timer);
      turn.timer = undefined;
      conversation.turn = undefined;
      return turn;
    },
    close() {
      for (const conversation of conversations.values()) store.endTurn(conversation);
    },
  };
  return store;
}

/** The store as the history RPCs read it: conversations of the web platform. */
export function webHistorySource(store: ConversationStore): HistorySource {
  return { platform: WEB_PLATFORM, get: (id) => store.get(id) };
}
