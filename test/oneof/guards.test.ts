import { create } from "@bufbuild/protobuf";
import { assertCase, caseValue, isCase, OneofCaseError, requireCase } from "agentwire";
import {
  AgentResponseSchema,
  type ContentChunk,
  ConversationMetadataRequestSchema,
  PlatformFeedbackSchema,
  type PlatformIdentifier,
  type StreamControl,
  StreamControl_Action,
} from "agentwire/schema";
import { describe, expect, expectTypeOf, it } from "vitest";

const content = create(AgentResponseSchema, {
  conversationId: "c-1",
  payload: { case: "content", value: { content: "hello" } },
});
const unset = create(AgentResponseSchema);

describe("isCase", () => {
  it("is true only for the case the oneof holds", () => {
    expect(isCase(content.payload, "content")).toBe(true);
    expect(isCase(content.payload, "status")).toBe(false);
    expect(isCase(unset.payload, "content")).toBe(false);
  });

  it("narrows the oneof, also through a property access", () => {
    const frame = content;
    if (isCase(frame.payload, "content")) {
      expectTypeOf(frame.payload.value).toEqualTypeOf<ContentChunk>();
      expect(frame.payload.value.content).toBe("hello");
    } else {
      expect.unreachable("content frame not recognised");
    }
  });

  it("narrows scalar cases too", () => {
    const id = create(ConversationMetadataRequestSchema, {
      identifier: { case: "conversationId", value: "c-9" },
    }).identifier;
    if (!isCase(id, "conversationId")) return expect.unreachable();
    expectTypeOf(id.value).toEqualTypeOf<string>();
    expect(id.value.toUpperCase()).toBe("C-9");
  });

  it("rejects a case name the oneof does not have at compile time", () => {
    // @ts-expect-error "contnet" is not a case of AgentResponse.payload
    expect(isCase(content.payload, "contnet")).toBe(false);
    // @ts-expect-error "streamControl" is a case of PlatformFeedback.feedback, not of this oneof
    expect(isCase(content.payload, "streamControl")).toBe(false);
  });
});

describe("caseValue", () => {
  it("returns the value of the held case and undefined otherwise", () => {
    const chunk = caseValue(content.payload, "content");
    expectTypeOf(chunk).toEqualTypeOf<ContentChunk | undefined>();
    expect(chunk?.content).toBe("hello");
    expect(caseValue(content.payload, "status")).toBeUndefined();
    expect(caseValue(unset.payload, "content")).toBeUndefined();
  });

  it("works on any oneof, e.g. PlatformFeedback.feedback", () => {
    const fb = create(PlatformFeedbackSchema, {
      feedback: { case: "streamControl", value: { action: StreamControl_Action.STOP } },
    });
    const ctl = caseValue(fb.feedback, "streamControl");
    expectTypeOf(ctl).toEqualTypeOf<StreamControl | undefined>();
    expect(ctl?.action).toBe(StreamControl_Action.STOP);
    // @ts-expect-error "stop" is not a case of PlatformFeedback.feedback
    expect(caseValue(fb.feedback, "stop")).toBeUndefined();
  });
});

describe("assertCase and requireCase", () => {
  it("narrow when the case matches", () => {
    const frame = content;
    assertCase(frame.payload, "content");
    expectTypeOf(frame.payload.value).toEqualTypeOf<ContentChunk>();
    expect(frame.payload.value.content).toBe("hello");
    const chunk = requireCase(content.payload, "content");
    expectTypeOf(chunk).toEqualTypeOf<ContentChunk>();
    expect(chunk).toBe(content.payload.value);
  });

  it("throw OneofCaseError naming the expected and the actual case", () => {
    const err = catchError(() => assertCase(content.payload, "status", "AgentResponse.payload"));
    expect(err).toBeInstanceOf(OneofCaseError);
    expect(err).toMatchObject({
      name: "OneofCaseError",
      expected: ["status"],
      actual: "content",
      oneofName: "AgentResponse.payload",
    });
    expect(err.message).toBe('AgentResponse.payload: expected case "status", got "content"');
  });

  it("report an unset oneof as nothing set", () => {
    const err = catchError(() => requireCase(unset.payload, "content"));
    expect(err).toMatchObject({ expected: ["content"], actual: undefined });
    expect(err.message).toBe('oneof: expected case "content", got nothing set');
  });

  it("work on message-valued and scalar-valued cases alike", () => {
    const id = create(ConversationMetadataRequestSchema, {
      identifier: { case: "platformId", value: { platform: "slack", channelId: "C1" } },
    }).identifier;
    const pid = requireCase(id, "platformId");
    expectTypeOf(pid).toEqualTypeOf<PlatformIdentifier>();
    expect(pid.channelId).toBe("C1");
    expect(() => requireCase(id, "conversationId")).toThrow(
      'expected case "conversationId", got "platformId"',
    );
  });
});

describe("OneofCaseError", () => {
  it("lists several expected cases", () => {
    const err = new OneofCaseError(["content", "error"], "status");
    expect(err.message).toBe('oneof: expected case "content" or "error", got "status"');
    expect(err).toBeInstanceOf(Error);
  });
});

function catchError(fn: () => unknown): OneofCaseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OneofCaseError) return e;
    throw e;
  }
  throw new Error("expected a OneofCaseError, nothing was thrown");
}
