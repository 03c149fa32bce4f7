import { create, type DescMessage } from "@bufbuild/protobuf";
import {
  type AgentResponseCase,
  match,
  matchPartial,
  OneofCaseError,
  type OneofValue,
} from "agentwire";
import {
  AgentResponseSchema,
  AudioStreamRequestSchema,
  type ContentChunk,
  ContentChunk_ChunkType,
  ContentChunkSchema,
  ConversationMetadataRequestSchema,
  ConversationRequestSchema,
  type Message,
  PlatformFeedbackSchema,
  ResponseAttachmentSchema,
  type StatusUpdate,
  StatusUpdate_Status,
} from "agentwire/schema";
import { describe, expect, expectTypeOf, it } from "vitest";

type Payload = ReturnType<typeof payloadOf>;
const payloadOf = (init: Parameters<typeof create<typeof AgentResponseSchema>>[1]) =>
  create(AgentResponseSchema, init).payload;

/** Handlers for every AgentResponse case that tag the result with the case name. */
const tagAll = {
  incomingMessage: (v: Message) => ["incomingMessage", v] as const,
  status: (v: StatusUpdate) => ["status", v] as const,
  content: (v: ContentChunk) => ["content", v] as const,
  prompts: (v: OneofValue<Payload, "prompts">) => ["prompts", v] as const,
  threadMetadata: (v: OneofValue<Payload, "threadMetadata">) => ["threadMetadata", v] as const,
  error: (v: OneofValue<Payload, "error">) => ["error", v] as const,
  contextRequest: (v: OneofValue<Payload, "contextRequest">) => ["contextRequest", v] as const,
  transcript: (v: OneofValue<Payload, "transcript">) => ["transcript", v] as const,
  audioConfig: (v: OneofValue<Payload, "audioConfig">) => ["audioConfig", v] as const,
  audioChunk: (v: OneofValue<Payload, "audioChunk">) => ["audioChunk", v] as const,
  feedback: (v: OneofValue<Payload, "feedback">) => ["feedback", v] as const,
  renderable: (v: OneofValue<Payload, "renderable">) => ["renderable", v] as const,
};

describe("match", () => {
  it("gives each AgentResponse case's value to that case's handler", () => {
    const cases = AgentResponseSchema.oneofs[0]!.fields.map((f) => f.localName);
    expect(cases).toHaveLength(12);
    for (const c of cases) {
      const payload = payloadOf({ payload: { case: c as AgentResponseCase, value: {} } as never });
      const [tag, value] = match(payload, tagAll, () => ["unset", undefined] as const);
      expect(tag).toBe(c);
      expect(value).toBe(payload.value);
    }
  });

  it("passes the narrowed value with its fields", () => {
    const payload = payloadOf({
      payload: { case: "content", value: { type: ContentChunk_ChunkType.DELTA, content: "hi" } },
    });
    const text = match(
      payload,
      { ...tagAll, content: (chunk) => `${chunk.type}:${chunk.content}` },
      () => "none",
    );
    expect(text).toBe(`${ContentChunk_ChunkType.DELTA}:hi`);
  });

  it("sends an unset oneof to the unset handler and no case handler", () => {
    const calls: string[] = [];
    const handlers = Object.fromEntries(
      Object.keys(tagAll).map((k) => [k, () => calls.push(k)]),
    ) as unknown as typeof tagAll;
    const result = match(payloadOf({}), handlers, () => "unset" as const);
    expect(result).toBe("unset");
    expect(calls).toEqual([]);
  });

  it("dispatches every case of all six oneofs, scalar cases included", () => {
    const owners: Array<[DescMessage, string]> = [
      [AgentResponseSchema, "payload"],
      [ConversationRequestSchema, "request"],
      [PlatformFeedbackSchema, "feedback"],
      [ResponseAttachmentSchema, "attachmentType"],
      [AudioStreamRequestSchema, "request"],
      [ConversationMetadataRequestSchema, "identifier"],
    ];
    let dispatched = 0;
    for (const [schema, oneofName] of owners) {
      const oneof = schema.oneofs.find((o) => o.localName === oneofName)!;
      expect(oneof, `${schema.typeName}.${oneofName}`).toBeDefined();
      const handlers = Object.fromEntries(
        oneof.fields.map((f) => [f.localName, (v: unknown) => ({ case: f.localName, v })]),
      );
      for (const f of oneof.fields) {
        const value = f.fieldKind === "scalar" ? "conv-1" : {};
        const msg = create(schema, { [oneofName]: { case: f.localName, value } }) as never;
        const held = msg[oneofName] as { case: string; value: unknown };
        const out = match(held as never, handlers as never, () => "unset") as unknown;
        expect(out).toEqual({ case: f.localName, v: held.value });
        dispatched++;
      }
      expect(match(create(schema)[oneofName as never], handlers as never, () => "unset")).toBe(
        "unset",
      );
    }
    expect(dispatched).toBe(12 + 6 + 8 + 4 + 2 + 2);
  });

  it("calls handlers as methods, so one handler can delegate to another", () => {
    const handlers = {
      ...tagAll,
      transcript(this: typeof tagAll, t: OneofValue<Payload, "transcript">) {
        return this.content(create(ContentChunkSchema, { content: t.text }));
      },
    };
    const payload = payloadOf({ payload: { case: "transcript", value: { text: "spoken" } } });
    const [tag, value] = match(payload, handlers, () => ["unset", undefined] as const);
    expect(tag).toBe("content");
    expect((value as ContentChunk).content).toBe("spoken");
  });

  it("throws OneofCaseError for a case with no handler when the types were bypassed", () => {
    const bogus = { case: "fromTheFuture", value: 1 } as unknown as Payload;
    const run = () => match(bogus, tagAll, () => "unset");
    expect(run).toThrow(OneofCaseError);
    expect(run).toThrow(/"fromTheFuture"/);
  });

  it("types the result as the union of the handlers' results", () => {
    const payload = payloadOf({});
    const r = match(
      payload,
      {
        ...tagAll,
        incomingMessage: (m) => m.id,
        status: (s) => s.status,
        content: () => 1,
      },
      () => null,
    );
    expectTypeOf(r).toExtend<
      string | StatusUpdate_Status | number | null | readonly [string, unknown]
    >();
    expectTypeOf<string>().toExtend<typeof r>();
    expectTypeOf<null>().toExtend<typeof r>();
    expectTypeOf<boolean>().not.toExtend<typeof r>();
    expect(r).toBeNull();
  });

  it("infers each handler's parameter from its case", () => {
    match(
      payloadOf({}),
      {
        ...tagAll,
        content: (c) => expectTypeOf(c).toEqualTypeOf<ContentChunk>(),
        incomingMessage: (m) => expectTypeOf(m).toEqualTypeOf<Message>(),
      },
      () => undefined,
    );
    const id = create(ConversationMetadataRequestSchema).identifier;
    const s = match(
      id,
      { conversationId: (v) => v, platformId: (p) => `${p.platform}/${p.channelId}` },
      () => "",
    );
    expectTypeOf(s).toEqualTypeOf<string>();
    expect(s).toBe("");
  });

  it("rejects missing, misspelled and foreign handlers at compile time", () => {
    // Each line below is a tsc error (checked by `tsc --noEmit`); at run time
    // the bypassed types behave as documented.
    const renderable = payloadOf({ payload: { case: "renderable", value: { id: "form-1" } } });
    const { renderable: _dropped, ...missingOne } = tagAll;
    // @ts-expect-error the handler for "renderable" is missing
    expect(() => match(renderable, missingOne, () => 0)).toThrow(OneofCaseError);

    const content = payloadOf({ payload: { case: "content", value: {} } });
    const { content: _c, ...rest } = tagAll;
    // @ts-expect-error "contnet" is not a case, and "content" is missing
    expect(() => match(content, { ...rest, contnet: () => 0 }, () => 0)).toThrow(/"content"/);

    // @ts-expect-error "bogus" is not a case of AgentResponse.payload
    expect(match(content, { ...tagAll, bogus: () => 0 }, () => 0)[0]).toBe("content");

    // @ts-expect-error the unset handler is required
    expect(() => match(payloadOf({}), tagAll)).toThrow(TypeError);

    const id = create(ConversationMetadataRequestSchema, {
      identifier: { case: "conversationId", value: "c-1" },
    }).identifier;
    const idHandlers = { conversationId: () => 1, platformId: () => 2, content: () => 3 };
    // @ts-expect-error "content" belongs to another oneof
    expect(match(id, idHandlers, () => 0)).toBe(1);
  });
});

describe("matchPartial", () => {
  it("calls the handler of a handled case", () => {
    const payload = payloadOf({
      payload: { case: "status", value: { status: StatusUpdate_Status.THINKING } },
    });
    const r = matchPartial(payload, { status: (s) => s.status }, () => -1);
    expect(r).toBe(StatusUpdate_Status.THINKING);
  });

  it("gives unhandled cases and unset to the fallback with the oneof itself", () => {
    const payload = payloadOf({ payload: { case: "transcript", value: { text: "hello" } } });
    const seen = matchPartial(payload, { status: () => "status" }, (other) => other);
    expect(seen).toBe(payload);
    expect(matchPartial(payloadOf({}), { status: () => "status" }, (o) => o.case)).toBeUndefined();
  });

  it("types the fallback's argument as the cases left unhandled", () => {
    const payload = payloadOf({ payload: { case: "error", value: {} } });
    const got = matchPartial(
      payload,
      { content: (c) => c.content, status: (s) => s.emoji },
      (other) => {
        expectTypeOf(other.case).toEqualTypeOf<
          Exclude<AgentResponseCase, "content" | "status"> | undefined
        >();
        return other.case;
      },
    );
    expect(got).toBe("error");
    // @ts-expect-error "contnet" is not a case of AgentResponse.payload
    expect(matchPartial(payload, { contnet: () => 0 }, () => -1)).toBe(-1);
  });
});
