/**
 * The generated schema of astro.messaging.v1 as a shared package: message
 * types and their schemas, enums, file descriptors, the service descriptor
 * Connect uses, and a registry of every message for JSON, `Any` and reflection.
 *
 * This entry re-exports the generated modules wholesale on purpose: their
 * names are the schema's, one per message, enum and file.
 *
 * @module
 */
export * from "../../gen/astro/messaging/v1/audio_pb.js";
export * from "../../gen/astro/messaging/v1/config_pb.js";
export * from "../../gen/astro/messaging/v1/feedback_pb.js";
export * from "../../gen/astro/messaging/v1/message_pb.js";
export * from "../../gen/astro/messaging/v1/renderable_pb.js";
export * from "../../gen/astro/messaging/v1/response_pb.js";
export * from "../../gen/astro/messaging/v1/service_pb.js";
export * from "../../gen/astro/messaging/v1/trace_pb.js";
export { schemaFiles, schemaRegistry } from "./registry.js";
