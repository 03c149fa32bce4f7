import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  configFrame,
  contentFrame,
  errorFrame,
  type OutboundPayloadCase,
  promptsFrame,
  type ReplyAddress,
  renderableFrame,
  requireCase,
  responseFrame,
  statusFrame,
  threadMetadataFrame,
  transcriptFrame,
} from "agentwire";
import {
  AgentConfigSchema,
  type AgentResponse,
  AgentResponseSchema,
  ContentChunk_ChunkType,
  type ConversationRequest,
  ConversationRequestSchema,
  ErrorResponse_ErrorCode,
  RenderableAction,
  RenderKind,
  StatusUpdate_Status,
} from "agentwire/schema";
import { describe, expect, expectTypeOf, it } from "vitest";

const to: ReplyAddress = { conversationId: "conv-1", responseId: "resp-1" };

/** Encodes and decodes a frame, as the sidecar would see it. */
const wire = (frame: ConversationRequest) =>
  fromBinary(ConversationRequestSchema, toBinary(ConversationRequestSchema, frame));

/** The AgentResponse inside a frame after a round trip, checked to be addressed to `to`. */
const replyOf = (frame: ConversationRequest, address: ReplyAddress = to): AgentResponse => {
  const response = requireCase(wire(frame).request, "agentResponse");
  expect(response.conversationId).toBe(address.conversationId);
  expect(response.responseId).toBe(address.responseId);
  return response;
};

describe("configFrame", () => {
  it("wraps an init object as the agent_config frame", () => {
    const config = requireCase(
      wire(configFrame({ systemPrompt: "be brief", supportsFiles: true, tools: [{ name: "s" }] }))
        .request,
      "agentConfig",
    );
    expect(config.systemPrompt).toBe("be brief");
    expect(config.supportsFiles).toBe(true);
    expect(config.tools.map((t) => t.name)).toEqual(["s"]);
  });

  it("takes a created AgentConfig as is", () => {
    const config = create(AgentConfigSchema, { systemPrompt: "x" });
    const frame = configFrame(config);
    expect(frame.request.case).toBe("agentConfig");
    expect(frame.request.value).toBe(config);
  });
});

describe("responseFrame", () => {
  it("carries any payload case with the address and trace context", () => {
    const address = {
      ...to,
      traceContext: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    };
    const reply = replyOf(
      responseFrame(address, { case: "contextRequest", value: { maxMessages: 20 } }),
    );
    expect(reply.traceContext?.traceparent).toBe(address.traceContext.traceparent);
    expect(requireCase(reply.payload, "contextRequest").maxMessages).toBe(20);
  });

  it("accepts an inbound AgentResponse as the address", () => {
    const inbound = create(AgentResponseSchema, {
      conversationId: "conv-7",
      responseId: "msg-7",
      traceContext: { traceparent: "00-aa-bb-01" },
      payload: { case: "incomingMessage", value: { content: "hi" } },
    });
    const reply = replyOf(contentFrame(inbound, ContentChunk_ChunkType.START, ""), inbound);
    expect(reply.traceContext?.traceparent).toBe("00-aa-bb-01");
    expect(requireCase(reply.payload, "content").type).toBe(ContentChunk_ChunkType.START);
  });

  it("leaves the trace context unset when the address has none", () => {
    expect(replyOf(statusFrame(to, StatusUpdate_Status.THINKING)).traceContext).toBeUndefined();
  });

  it("rejects unknown and unset payload cases at compile time", () => {
    // @ts-expect-error "contnet" is not a case of AgentResponse.payload
    const bogus = responseFrame(to, { case: "contnet", value: {} });
    expect(wire(bogus).request.case).toBe("agentResponse");
    expect(replyOf(bogus).payload.case).toBeUndefined();
    // @ts-expect-error a reply frame needs a payload case
    expect(replyOf(responseFrame(to, { case: undefined })).payload.case).toBeUndefined();
  });
});

describe("the shortcut builders", () => {
  it("contentFrame sets type, text and extras", () => {
    const chunk = requireCase(
      replyOf(
        contentFrame(to, ContentChunk_ChunkType.END, "", {
          attachments: [
            { attachmentType: { case: "link", value: { url: "https://example.com/a" } } },
          ],
          platformMessageId: "pm-1",
          options: { silent: true },
        }),
      ).payload,
      "content",
    );
    expect(chunk.type).toBe(ContentChunk_ChunkType.END);
    expect(chunk.content).toBe("");
    expect(chunk.platformMessageId).toBe("pm-1");
    expect(chunk.options?.silent).toBe(true);
    expect(requireCase(chunk.attachments[0]!.attachmentType, "link").url).toBe(
      "https://example.com/a",
    );

    const delta = requireCase(
      replyOf(contentFrame(to, ContentChunk_ChunkType.DELTA, "Hello")).payload,
      "content",
    );
    expect([delta.type, delta.content, delta.attachments]).toEqual([
      ContentChunk_ChunkType.DELTA,
      "Hello",
      [],
    ]);
  });

  it("statusFrame sets status, custom message and emoji", () => {
    const status = requireCase(
      replyOf(
        statusFrame(to, StatusUpdate_Status.CUSTOM, { customMessage: "Reading", emoji: ":book:" }),
      ).payload,
      "status",
    );
    expect([status.status, status.customMessage, status.emoji]).toEqual([
      StatusUpdate_Status.CUSTOM,
      "Reading",
      ":book:",
    ]);
  });

  it("errorFrame sets code, message, details and retryable", () => {
    const error = requireCase(
      replyOf(
        errorFrame(to, {
          code: ErrorResponse_ErrorCode.RATE_LIMIT,
          message: "Slow down",
          details: "429 from model",
          retryable: true,
        }),
      ).payload,
      "error",
    );
    expect(error).toMatchObject({
      code: ErrorResponse_ErrorCode.RATE_LIMIT,
      message: "Slow down",
      details: "429 from model",
      retryable: true,
    });
    const minimal = requireCase(
      replyOf(errorFrame(to, { code: ErrorResponse_ErrorCode.AGENT_ERROR, message: "x" })).payload,
      "error",
    );
    expect([minimal.details, minimal.retryable]).toEqual(["", false]);
  });

  it("promptsFrame carries the prompts in order", () => {
    const prompts = requireCase(
      replyOf(
        promptsFrame(to, [
          { id: "p1", title: "More", message: "Tell me more" },
          { id: "p2", title: "Stop" },
        ]),
      ).payload,
      "prompts",
    );
    expect(prompts.prompts.map((p) => [p.id, p.title, p.message])).toEqual([
      ["p1", "More", "Tell me more"],
      ["p2", "Stop", ""],
    ]);
  });

  it("renderableFrame carries the form", () => {
    const form = requireCase(
      replyOf(
        renderableFrame(to, {
          id: "form-1",
          kind: RenderKind.FORM,
          dataSchemaJson: '{"type":"object"}',
          allowedActions: [RenderableAction.SUBMIT, RenderableAction.CANCEL],
        }),
      ).payload,
      "renderable",
    );
    expect(form.id).toBe("form-1");
    expect(form.kind).toBe(RenderKind.FORM);
    expect(form.allowedActions).toEqual([RenderableAction.SUBMIT, RenderableAction.CANCEL]);
  });

  it("threadMetadataFrame carries title and thread", () => {
    const meta = requireCase(
      replyOf(threadMetadataFrame(to, { title: "Trip plan", threadId: "t-1", createNew: true }))
        .payload,
      "threadMetadata",
    );
    expect([meta.title, meta.threadId, meta.createNew]).toEqual(["Trip plan", "t-1", true]);
  });

  it("transcriptFrame carries text, message id and language", () => {
    const transcript = requireCase(
      replyOf(transcriptFrame(to, "hello there", { messageId: "m-1", language: "en-US" })).payload,
      "transcript",
    );
    expect([transcript.text, transcript.messageId, transcript.language]).toEqual([
      "hello there",
      "m-1",
      "en-US",
    ]);
  });

  it("cover the outbound payload cases except contextRequest", () => {
    const built = [
      contentFrame(to, ContentChunk_ChunkType.START, ""),
      statusFrame(to, StatusUpdate_Status.THINKING),
      errorFrame(to, { code: ErrorResponse_ErrorCode.TOOL_ERROR, message: "x" }),
      promptsFrame(to, []),
      renderableFrame(to, {}),
      threadMetadataFrame(to, {}),
      transcriptFrame(to, ""),
    ].map((f) => replyOf(f).payload.case);
    expectTypeOf(built).toEqualTypeOf<AgentResponse["payload"]["case"][]>();
    const expected: Exclude<OutboundPayloadCase, "contextRequest">[] = [
      "content",
      "status",
      "error",
      "prompts",
      "renderable",
      "threadMetadata",
      "transcript",
    ];
    expect(built).toEqual(expected);
  });
});
