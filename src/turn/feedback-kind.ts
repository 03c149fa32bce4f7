import {
  MessageReaction_ReactionType,
  type PlatformFeedback,
  StreamControl_Action,
} from "../schema/index.js";

/**
 * What a piece of user feedback is, as a stable string to switch on: stream
 * controls by action, reactions split into thumbs up/down and other emoji,
 * and the remaining `PlatformFeedback.feedback` cases in snake_case.
 */
export type FeedbackKind =
  | "stop"
  | "pause"
  | "resume"
  | "regenerate"
  | "stream_control"
  | "thumbs_up"
  | "thumbs_down"
  | "reaction"
  | "prompt_selection"
  | "button_click"
  | "message_edit"
  | "message_delete"
  | "text"
  | "renderable_response"
  | "unknown";

const streamControlKinds: Partial<Record<StreamControl_Action, FeedbackKind>> = {
  [StreamControl_Action.STOP]: "stop",
  [StreamControl_Action.PAUSE]: "pause",
  [StreamControl_Action.RESUME]: "resume",
  [StreamControl_Action.REGENERATE]: "regenerate",
};

/** Classifies feedback into its FeedbackKind; an unset or unknown oneof case is "unknown". */
export function feedbackKind(feedback: PlatformFeedback): FeedbackKind {
  const f = feedback.feedback;
  switch (f.case) {
    case "streamControl":
      return streamControlKinds[f.value.action] ?? "stream_control";
    case "reaction":
      if (f.value.type === MessageReaction_ReactionType.THUMBS_UP) return "thumbs_up";
      if (f.value.type === MessageReaction_ReactionType.THUMBS_DOWN) return "thumbs_down";
      return "reaction";
    case "promptSelection":
      return "prompt_selection";
    case "buttonClick":
      return "button_click";
    case "messageEdit":
      return "message_edit";
    case "messageDelete":
      return "message_delete";
    case "text":
      return "text";
    case "renderableResponse":
      return "renderable_response";
    default:
      return "unknown";
  }
}
