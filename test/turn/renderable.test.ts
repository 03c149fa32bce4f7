import { AgentwireError, type RenderResult, serve, type Turn } from "agentwire";
import { RenderableAction, RenderKind } from "agentwire/schema";
import { expect, describe as group, it } from "vitest";
import { deferred } from "../helpers/step.js";
import {
  describe,
  isTerminal,
  nextReply,
  readUntil,
  sendFeedback,
  sendMessage,
  sendStop,
  useTurnRig,
} from "./support.js";

const schema = {
  type: "object",
  properties: { city: { type: "string", title: "City" } },
  required: ["city"],
};

const t = useTurnRig();

/** Serves a handler that renders the form and reports how render() settled. */
function serveForm(request: Partial<Parameters<Turn["render"]>[0]> = {}) {
  const outcome = deferred<RenderResult | AgentwireError>();
  t.served = serve(
    t.rig.agent.session,
    {
      async message(turn) {
        try {
          const answer = await turn.render({ schema, message: "Where?", ...request });
          outcome.resolve(answer);
          return `weather in ${(answer.content as { city: string }).city}`;
        } catch (e) {
          outcome.resolve(e as AgentwireError);
          throw e;
        }
      },
    },
    { onError: () => {} },
  );
  return outcome.promise;
}

async function readRenderable() {
  const frames = await readUntil(t.rig.stream, (d) => d === "RENDERABLE", "the renderable");
  expect(frames.map(describe)).toEqual(["START", "RENDERABLE"]);
  const payload = frames[1]?.payload;
  if (payload?.case !== "renderable") throw new Error("no renderable");
  return payload.value;
}

group("render", () => {
  it("sends a FORM renderable and resolves with the user's parsed answer", async () => {
    const outcome = serveForm({ value: { city: "Oslo" } });
    sendMessage(t.rig.stream, "c1", "weather?");
    const renderable = await readRenderable();
    expect(renderable.kind).toBe(RenderKind.FORM);
    expect(JSON.parse(renderable.dataSchemaJson)).toEqual(schema);
    expect(JSON.parse(renderable.valueJson)).toEqual({ city: "Oslo" });
    expect(renderable.allowedActions).toEqual([RenderableAction.SUBMIT, RenderableAction.CANCEL]);
    expect(renderable.id).not.toBe("");
    sendFeedback(t.rig.stream, "c1", "", {
      case: "renderableResponse",
      value: {
        id: renderable.id,
        action: RenderableAction.SUBMIT,
        contentJson: '{"city":"Bergen"}',
      },
    });
    const answer = (await outcome) as RenderResult;
    expect(answer.action).toBe("submit");
    expect(answer.content).toEqual({ city: "Bergen" });
    const rest = await readUntil(t.rig.stream, isTerminal, "the reply");
    expect(rest.map(describe)).toEqual(["DELTA:weather in Bergen", "END"]);
  });

  it("rejects when the platform answers UNSUPPORTED, and the turn fails", async () => {
    const outcome = serveForm();
    sendMessage(t.rig.stream, "c1", "weather?");
    const renderable = await readRenderable();
    sendFeedback(t.rig.stream, "c1", "", {
      case: "renderableResponse",
      value: { id: renderable.id, action: RenderableAction.UNSUPPORTED },
    });
    const error = (await outcome) as AgentwireError;
    expect(error).toBeInstanceOf(AgentwireError);
    expect(error.message).toMatch(/UNSUPPORTED/);
    expect(error.reason).toBe("unsupported");
    expect(describe(await nextReply(t.rig.stream))).toMatch(/^ERROR:/);
  });

  it("rejects when the turn aborts (STOP) and sends nothing more", async () => {
    const outcome = serveForm();
    const id = sendMessage(t.rig.stream, "c1", "weather?");
    await readRenderable();
    sendStop(t.rig.stream, "c1", id);
    const error = (await outcome) as AgentwireError;
    expect(error.reason).toBe("aborted");
    const marker = sendMessage(t.rig.stream, "c2", "marker");
    const next = await nextReply(t.rig.stream);
    expect(next.responseId).toBe(marker);
  });

  it("refuses a schema that is not an object schema, or actions without cancel/decline", async () => {
    const errors: unknown[] = [];
    const done = deferred<void>();
    t.served = serve(t.rig.agent.session, {
      async message(turn) {
        for (const bad of [
          { schema: { type: "string" } },
          { schema: { type: "object" } },
          { schema, allowedActions: ["submit" as const] },
          { schema, allowedActions: [RenderableAction.SUBMIT, RenderableAction.RESPOND] },
        ]) {
          errors.push(await turn.render(bad).catch((e: unknown) => e));
        }
        done.resolve();
        return "ok";
      },
    });
    sendMessage(t.rig.stream, "c1", "hi");
    await done.promise;
    expect(errors.map((e) => (e as AgentwireError).reason)).toEqual(
      Array(4).fill("invalid_argument"),
    );
    // Nothing was sent for the refused forms.
    expect((await readUntil(t.rig.stream, isTerminal, "the reply")).map(describe)).toEqual([
      "START",
      "DELTA:ok",
      "END",
    ]);
  });

  it("hands an answer no render() waits for to resume(), and every feedback to feedback()", async () => {
    const resumed = deferred<[RenderResult, string]>();
    const kinds: string[] = [];
    t.served = serve(t.rig.agent.session, {
      message: () => "unused",
      feedback: (_feedback, kind) => {
        kinds.push(kind);
      },
      resume: (answer, context) => resumed.resolve([answer, context.conversationId]),
    });
    sendFeedback(t.rig.stream, "c9", "", {
      case: "reaction",
      value: { type: 1, added: true },
    });
    sendFeedback(t.rig.stream, "c9", "", {
      case: "renderableResponse",
      value: { id: "old-form", action: RenderableAction.CANCEL },
    });
    const [answer, conversationId] = await resumed.promise;
    expect(conversationId).toBe("c9");
    expect(answer).toMatchObject({ id: "old-form", action: "cancel", content: undefined });
    expect(kinds).toEqual(["thumbs_up", "renderable_response"]);
  });
});
