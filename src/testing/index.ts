/**
 * agentwire/testing: a fake sidecar for unit tests of agents, in memory or on
 * a real port, with drivers for user events and observers of the agent's replies;
 * and a test mailbox (`createTestMailbox`) for multi-agent flows.
 *
 * @module
 */

export type { FakeSidecarErrorReason } from "./fake-errors.js";
export { FakeSidecarError } from "./fake-errors.js";
export type {
  FakeSidecarOptions,
  ListenOptions,
  ResolvedFakeSidecarOptions,
} from "./fake-options.js";
export { resolveFakeSidecarOptions } from "./fake-options.js";
export { createFakeSidecar } from "./fake-sidecar.js";
export type {
  AgentResponseFrameInit,
  FakeAudioSend,
  FakeSidecar,
  FeedbackTarget,
  MessageInit,
  RenderableAnswer,
  SendAudioOptions,
  SendMessageOptions,
  WaitForAgentOptions,
  WaitUntilOptions,
} from "./fake-sidecar-types.js";
export type { FakeTurn, FakeTurnState } from "./fake-turn.js";
export { describeFrames, frameKind } from "./fake-turn.js";
export type { InMemoryConnectionOptions } from "./in-memory-connection.js";
export { createInMemoryConnection } from "./in-memory-connection.js";
export type {
  DeliveryMatch,
  TestDelivery,
  TestMailbox,
  TestMailboxOptions,
  WaitForDeliveryOptions,
} from "./test-mailbox.js";
export { createTestMailbox } from "./test-mailbox.js";
export type { WaitOptions } from "./waiters.js";
