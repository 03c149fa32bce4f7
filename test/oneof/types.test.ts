import type { DescMessage } from "@bufbuild/protobuf";
import type {
  AgentResponseCase,
  AudioStreamRequestCase,
  ConversationMetadataRequestCase,
  ConversationRequestCase,
  InboundPayloadCase,
  OneofCase,
  OneofSelected,
  OneofSet,
  OneofValue,
  OutboundPayloadCase,
  PlatformFeedbackCase,
  ResponseAttachmentCase,
} from "agentwire";
import {
  type AgentResponse,
  AgentResponseSchema,
  AudioStreamRequestSchema,
  type ContentChunk,
  ConversationMetadataRequestSchema,
  ConversationRequestSchema,
  PlatformFeedbackSchema,
  ResponseAttachmentSchema,
} from "agentwire/schema";
import { describe, expect, expectTypeOf, it } from "vitest";

const caseNames = (schema: DescMessage, oneof: string) =>
  schema.oneofs
    .find((o) => o.localName === oneof)
    ?.fields.map((f) => f.localName)
    .sort();

describe("case unions", () => {
  it("match the schema's oneof members for all six oneofs", () => {
    const agentResponse = [
      "incomingMessage",
      "status",
      "content",
      "prompts",
      "threadMetadata",
      "error",
      "contextRequest",
      "transcript",
      "audioConfig",
      "audioChunk",
      "feedback",
      "renderable",
    ] as const;
    expectTypeOf<AgentResponseCase>().toEqualTypeOf<(typeof agentResponse)[number]>();
    expect(caseNames(AgentResponseSchema, "payload")).toEqual([...agentResponse].sort());

    const request = [
      "message",
      "feedback",
      "agentConfig",
      "agentResponse",
      "audioConfig",
      "audio",
    ] as const;
    expectTypeOf<ConversationRequestCase>().toEqualTypeOf<(typeof request)[number]>();
    expect(caseNames(ConversationRequestSchema, "request")).toEqual([...request].sort());

    const feedback = [
      "streamControl",
      "promptSelection",
      "reaction",
      "buttonClick",
      "messageEdit",
      "messageDelete",
      "text",
      "renderableResponse",
    ] as const;
    expectTypeOf<PlatformFeedbackCase>().toEqualTypeOf<(typeof feedback)[number]>();
    expect(caseNames(PlatformFeedbackSchema, "feedback")).toEqual([...feedback].sort());

    const attachment = ["image", "file", "card", "link"] as const;
    expectTypeOf<ResponseAttachmentCase>().toEqualTypeOf<(typeof attachment)[number]>();
    expect(caseNames(ResponseAttachmentSchema, "attachmentType")).toEqual([...attachment].sort());

    const audio = ["config", "audio"] as const;
    expectTypeOf<AudioStreamRequestCase>().toEqualTypeOf<(typeof audio)[number]>();
    expect(caseNames(AudioStreamRequestSchema, "request")).toEqual([...audio].sort());

    const identifier = ["conversationId", "platformId"] as const;
    expectTypeOf<ConversationMetadataRequestCase>().toEqualTypeOf<(typeof identifier)[number]>();
    expect(caseNames(ConversationMetadataRequestSchema, "identifier")).toEqual(
      [...identifier].sort(),
    );
  });

  it("split AgentResponse cases into inbound and outbound without overlap or gap", () => {
    expectTypeOf<InboundPayloadCase>().toEqualTypeOf<
      "incomingMessage" | "feedback" | "audioConfig" | "audioChunk"
    >();
    expectTypeOf<InboundPayloadCase | OutboundPayloadCase>().toEqualTypeOf<AgentResponseCase>();
    expectTypeOf<Extract<InboundPayloadCase, OutboundPayloadCase>>().toBeNever();
    const inbound: InboundPayloadCase[] = [
      "incomingMessage",
      "feedback",
      "audioConfig",
      "audioChunk",
    ];
    const outbound = caseNames(AgentResponseSchema, "payload")!.filter(
      (c) => !(inbound as string[]).includes(c),
    );
    expect(outbound).toEqual([
      "content",
      "contextRequest",
      "error",
      "prompts",
      "renderable",
      "status",
      "threadMetadata",
      "transcript",
    ]);
  });
});

describe("generic oneof types", () => {
  type Payload = AgentResponse["payload"];

  it("derive cases, members and values from any oneof", () => {
    expectTypeOf<OneofCase<Payload>>().toEqualTypeOf<AgentResponseCase>();
    expectTypeOf<OneofValue<Payload, "content">>().toEqualTypeOf<ContentChunk>();
    expectTypeOf<OneofSelected<Payload, "content">>().toEqualTypeOf<{
      value: ContentChunk;
      case: "content";
    }>();
    expectTypeOf<OneofSet<Payload>["case"]>().toEqualTypeOf<AgentResponseCase>();
    // @ts-expect-error "contnet" is not a case of AgentResponse.payload
    expectTypeOf<OneofValue<Payload, "contnet">>().toBeNever();
    expect(caseNames(AgentResponseSchema, "payload")).toContain("content");
  });
});
