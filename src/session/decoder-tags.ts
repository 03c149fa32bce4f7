/**
 * The tags the fast AgentResponse reader switches on, one table per message
 * type it builds, taken from the generated descriptors by `fieldTags`
 * (`decoder-fields.ts`), with how the reader covers each schema; and the
 * payload cases it leaves to `fromBinary` on their own bytes.
 *
 * @module
 */
import type { DescMessage } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  AgentResponseSchema,
  AttachmentSchema,
  MessageSchema,
  PlatformContextSchema,
  TraceContextSchema,
  UserSchema,
} from "../schema/index.js";
import {
  type FastFieldKind,
  type FastReaderCoverage,
  type FastReaderOthers,
  fastReaderMatchesSchema,
  fieldTags,
} from "./decoder-fields.js";

/** A payload case read by `fromBinary`: its schema and its oneof case name, by field number. */
export interface PayloadMember {
  readonly schema: DescMessage;
  readonly localName: string;
}

/** The payload cases other than incoming_message, by field number; `fromBinary` reads them. */
export const payloadMembers: (PayloadMember | undefined)[] = [];
for (const field of AgentResponseSchema.fields) {
  if (
    field.oneof?.localName === "payload" &&
    field.fieldKind === "message" &&
    field.localName !== "incomingMessage"
  ) {
    payloadMembers[field.number] = { schema: field.message, localName: field.localName };
  }
}

const coverage: FastReaderCoverage[] = [];

/**
 * Every message type the fast reader builds, compared with its descriptor:
 * the fields it reads, and any it does not (for the test that keeps the
 * reader in step with the schema, and for diagnostics).
 */
export const fastReaderCoverage: readonly FastReaderCoverage[] = coverage;

/** The tags of the fields the fast reader reads in `schema`, recording how it covers the schema. */
function tagsOf<const S extends Record<string, FastFieldKind>>(
  schema: DescMessage,
  spec: S,
  others?: FastReaderOthers,
): { readonly [K in keyof S]: number } {
  const { tags, coverage: covered } = fieldTags(schema, spec, others);
  coverage.push(covered);
  return tags;
}

/** The tags of AgentResponse (the frame) that the fast reader reads. */
export const frameTags = tagsOf(
  AgentResponseSchema,
  {
    conversationId: "string",
    responseId: "string",
    incomingMessage: { message: MessageSchema, oneof: "payload" },
    traceContext: { message: TraceContextSchema },
  },
  { readByFromBinary: payloadMembers.flatMap((m) => (m ? [m.localName] : [])) },
);
/** The tags of Message (the incoming user message). */
export const messageTags = tagsOf(MessageSchema, {
  id: "string",
  timestamp: { message: TimestampSchema },
  platform: "string",
  platformContext: { message: PlatformContextSchema },
  user: { message: UserSchema },
  content: "string",
  attachments: { message: AttachmentSchema, repeated: true },
  conversationId: "string",
});
/** The tags of PlatformContext. */
export const platformContextTags = tagsOf(PlatformContextSchema, {
  messageId: "string",
  channelId: "string",
  threadId: "string",
  channelName: "string",
  workspaceId: "string",
  platformData: "string map",
  botUserId: "string",
  eventKind: "enum",
  threadRootId: "string",
  userId: "string",
});
/** The tags of User. */
export const userTags = tagsOf(UserSchema, {
  id: "string",
  username: "string",
  avatarUrl: "string",
  email: "string",
  userData: "string map",
});
/** The tags of Attachment. */
export const attachmentTags = tagsOf(AttachmentSchema, {
  type: "enum",
  url: "string",
  filename: "string",
  sizeBytes: "int64",
  mimeType: "string",
  title: "string",
  description: "string",
  width: "int32",
  height: "int32",
  storageKey: "string",
});
/** The tags of google.protobuf.Timestamp. */
export const timestampTags = tagsOf(TimestampSchema, { seconds: "int64", nanos: "int32" });
/** The tags of TraceContext. */
export const traceContextTags = tagsOf(TraceContextSchema, {
  traceparent: "string",
  tracestate: "string",
});

/** False when the schema has fields the fast reader would not build: every frame then takes `fromBinary`. */
export const fastReaderUsable = fastReaderMatchesSchema(coverage);
