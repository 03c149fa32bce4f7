import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { AgentwireError, abortedError, assertArgument } from "../client/errors.js";
import {
  type Renderable,
  RenderableAction,
  type RenderableResponse,
  RenderableSchema,
  RenderKind,
} from "../schema/index.js";
import type { RenderActionName, RenderRequest, RenderResult } from "./turn-interface.js";

const actionByName: Record<RenderActionName, RenderableAction> = {
  submit: RenderableAction.SUBMIT,
  decline: RenderableAction.DECLINE,
  cancel: RenderableAction.CANCEL,
  respond: RenderableAction.RESPOND,
  unsupported: RenderableAction.UNSUPPORTED,
};

/** The string literal of a RenderableAction value ("unspecified" for 0 and unknown values). */
export function renderActionName(action: RenderableAction): RenderActionName | "unspecified" {
  for (const [name, value] of Object.entries(actionByName)) {
    if (value === action) return name as RenderActionName;
  }
  return "unspecified";
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function toJson(what: string, value: unknown): string {
  try {
    const json = JSON.stringify(value);
    assertArgument(typeof json === "string", `render: ${what} is not representable as JSON`);
    return json;
  } catch (e) {
    if (e instanceof AgentwireError) throw e;
    throw new AgentwireError(
      "invalid_argument",
      `render: ${what} is not representable as JSON (${e instanceof Error ? e.message : String(e)})`,
      Code.InvalidArgument,
      e,
    );
  }
}

/**
 * Validates a render request and builds the FORM Renderable it describes:
 * the schema must be an object schema (`type: "object"` with `properties`),
 * and the allowed actions must let the user get out (CANCEL or DECLINE),
 * because a form the user cannot dismiss would stall the turn.
 *
 * @throws AgentwireError with reason "invalid_argument" naming what is wrong.
 */
export function buildRenderable(request: RenderRequest): Renderable {
  const schema: unknown = request.schema;
  assertArgument(isPlainObject(schema), "render: schema must be a JSON Schema object");
  assertArgument(
    schema.type === "object",
    `render: schema.type must be "object", got ${JSON.stringify(schema.type)}`,
  );
  assertArgument(
    isPlainObject(schema.properties),
    "render: schema.properties must be an object describing the form's fields",
  );
  const actions = (request.allowedActions ?? ["submit", "cancel"]).map((a) => {
    const value = typeof a === "number" ? a : actionByName[a];
    assertArgument(
      value !== undefined && RenderableAction[value] !== undefined,
      `render: unknown action ${JSON.stringify(a)}`,
    );
    return value;
  });
  assertArgument(
    actions.includes(RenderableAction.CANCEL) || actions.includes(RenderableAction.DECLINE),
    "render: allowedActions must include cancel or decline so the user can dismiss the form",
  );
  assertArgument(request.id !== "", "render: id must not be empty");
  return create(RenderableSchema, {
    id: request.id ?? crypto.randomUUID(),
    kind: RenderKind.FORM,
    message: request.message ?? "",
    dataSchemaJson: toJson("schema", schema),
    valueJson: request.value === undefined ? "" : toJson("value", request.value),
    allowedActions: actions,
    intent: request.intent ?? "",
  });
}

/**
 * Reads the user's answer to a renderable, parsing `content_json`.
 *
 * @throws AgentwireError "unsupported" (code Unimplemented) when the platform
 *   answered UNSUPPORTED, "malformed_frame" when `content_json` is not JSON.
 */
export function readRenderableResponse(response: RenderableResponse): RenderResult {
  const action = renderActionName(response.action);
  if (action === "unsupported") {
    throw new AgentwireError(
      "unsupported",
      `render: the platform cannot show renderable ${response.id} (RENDERABLE_ACTION_UNSUPPORTED)`,
      Code.Unimplemented,
    );
  }
  let content: unknown;
  if (response.contentJson !== "") {
    try {
      content = JSON.parse(response.contentJson);
    } catch (e) {
      throw new AgentwireError(
        "malformed_frame",
        `render: the answer to renderable ${response.id} has content_json that is not JSON`,
        Code.InvalidArgument,
        e,
      );
    }
  }
  return { id: response.id, action, content, text: response.text, response };
}

type Waiter = { resolve: (r: RenderableResponse) => void; reject: (e: unknown) => void };

/** The render() calls of one turn that wait for the user's answer, by renderable id. */
export class RenderWaiters {
  private readonly waiting = new Map<string, Waiter>();

  /** Waits for the answer to renderable `id`; rejects when `signal` aborts or the wait is cancelled. */
  wait(id: string, signal: AbortSignal | undefined): Promise<RenderableResponse> {
    assertArgument(
      !this.waiting.has(id),
      `render: renderable ${id} is already waiting for an answer`,
    );
    if (signal?.aborted) return Promise.reject(abortedError("render", signal));
    const onAbort = () => this.cancel(id, abortedError("render", signal as AbortSignal));
    const answer = new Promise<RenderableResponse>((resolve, reject) => {
      const done = () => {
        this.waiting.delete(id);
        signal?.removeEventListener("abort", onAbort);
      };
      const settle: Waiter = {
        resolve(r) {
          done();
          resolve(r);
        },
        reject(e) {
          done();
          reject(e);
        },
      };
      this.waiting.set(id, settle);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    answer.catch(() => {});
    return answer;
  }

  /** Hands an answer to the wait for its renderable id; false when none waits. */
  deliver(response: RenderableResponse): boolean {
    const waiter = this.waiting.get(response.id);
    waiter?.resolve(response);
    return waiter !== undefined;
  }

  /** Rejects the wait for renderable `id`, if any. */
  cancel(id: string, error: unknown): void {
    this.waiting.get(id)?.reject(error);
  }

  /** Rejects every wait (the turn ended). */
  cancelAll(error: unknown): void {
    for (const waiter of [...this.waiting.values()]) waiter.reject(error);
  }
}
