/**
 * `agentwire/sidecar`: a local development sidecar speaking
 * `astro.messaging.v1` to agents and a web chat to people.
 *
 * @module
 */
export {
  type AgentLink,
  type AgentLinkHooks,
  createAgentLink,
} from "../sidecar-core/agent-link.js";
export {
  AUDIO_SOCKET_CLOSE_CODES,
  type AudioSocketErrorCode,
  type AudioSocketReply,
} from "./audio-socket-messages.js";
export {
  CLI_USAGE,
  type CliDependencies,
  main,
  type StartAgent,
  type StartAgentContext,
  type StartedAgent,
} from "./cli.js";
export { createDevSidecar, type DevSidecar } from "./dev-sidecar.js";
export { type FrameEvent, frameToEvent } from "./frame-events.js";
export {
  DEV_SIDECAR_VERSION,
  DevSidecarOptionError,
  type DevSidecarOptions,
} from "./options.js";
export { formatSseFrame, type SseEventName } from "./sse.js";
