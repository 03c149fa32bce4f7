import { createRegistry, type Registry } from "@bufbuild/protobuf";
import type { GenFile } from "@bufbuild/protobuf/codegenv2";
import { file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import { file_astro_messaging_v1_audio } from "../../gen/astro/messaging/v1/audio_pb.js";
import { file_astro_messaging_v1_config } from "../../gen/astro/messaging/v1/config_pb.js";
import { file_astro_messaging_v1_feedback } from "../../gen/astro/messaging/v1/feedback_pb.js";
import { file_astro_messaging_v1_message } from "../../gen/astro/messaging/v1/message_pb.js";
import { file_astro_messaging_v1_renderable } from "../../gen/astro/messaging/v1/renderable_pb.js";
import { file_astro_messaging_v1_response } from "../../gen/astro/messaging/v1/response_pb.js";
import { file_astro_messaging_v1_service } from "../../gen/astro/messaging/v1/service_pb.js";
import { file_astro_messaging_v1_trace } from "../../gen/astro/messaging/v1/trace_pb.js";

/** Every file descriptor of astro.messaging.v1, for services that build their own registries. */
export const schemaFiles: readonly GenFile[] = [
  file_astro_messaging_v1_audio,
  file_astro_messaging_v1_config,
  file_astro_messaging_v1_feedback,
  file_astro_messaging_v1_message,
  file_astro_messaging_v1_renderable,
  file_astro_messaging_v1_response,
  file_astro_messaging_v1_service,
  file_astro_messaging_v1_trace,
];

/**
 * A registry of every message, enum and service of astro.messaging.v1 (and the
 * Timestamp it imports), for `toJson`/`fromJson` with `Any`, and reflection.
 */
export const schemaRegistry: Registry = createRegistry(
  file_google_protobuf_timestamp,
  ...schemaFiles,
);
