import { create } from "@bufbuild/protobuf";
import { createTraceparent, feedbackKind, isValidTraceparent } from "agentwire";
import {
  MessageReaction_ReactionType,
  PlatformFeedbackSchema,
  StreamControl_Action,
} from "agentwire/schema";
import { describe, expect, it } from "vitest";

describe("traceparent", () => {
  it("generates valid, distinct W3C traceparents", () => {
    const a = createTraceparent();
    const b = createTraceparent();
    expect(isValidTraceparent(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it("rejects malformed and all-zero values", () => {
    expect(isValidTraceparent("")).toBe(false);
    expect(isValidTraceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01")).toBe(
      false,
    );
    expect(isValidTraceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")).toBe(
      false,
    );
    expect(isValidTraceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).toBe(
      false,
    );
    expect(isValidTraceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")).toBe(
      false,
    );
  });
});

describe("feedbackKind", () => {
  const kind = (feedback: Parameters<typeof create<typeof PlatformFeedbackSchema>>[1]) =>
    feedbackKind(create(PlatformFeedbackSchema, feedback));

  it("names stream controls, reactions and the other cases", () => {
    expect(
      kind({ feedback: { case: "streamControl", value: { action: StreamControl_Action.STOP } } }),
    ).toBe("stop");
    expect(
      kind({
        feedback: { case: "streamControl", value: { action: StreamControl_Action.REGENERATE } },
      }),
    ).toBe("regenerate");
    expect(kind({ feedback: { case: "streamControl", value: {} } })).toBe("stream_control");
    expect(
      kind({
        feedback: { case: "reaction", value: { type: MessageReaction_ReactionType.THUMBS_DOWN } },
      }),
    ).toBe("thumbs_down");
    expect(
      kind({
        feedback: { case: "reaction", value: { type: MessageReaction_ReactionType.CUSTOM_EMOJI } },
      }),
    ).toBe("reaction");
    expect(kind({ feedback: { case: "buttonClick", value: {} } })).toBe("button_click");
    expect(kind({ feedback: { case: "promptSelection", value: {} } })).toBe("prompt_selection");
    expect(kind({ feedback: { case: "messageEdit", value: {} } })).toBe("message_edit");
    expect(kind({ feedback: { case: "messageDelete", value: {} } })).toBe("message_delete");
    expect(kind({ feedback: { case: "text", value: {} } })).toBe("text");
    expect(kind({})).toBe("unknown");
  });
});
