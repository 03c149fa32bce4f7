import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildImage, projectRoot, runBuf, scratchSchema } from "../helpers/buf.js";
import { diffManifest, wireManifest } from "../helpers/wire-manifest.js";

const spec = JSON.parse(
  readFileSync(join(projectRoot, "test/fixtures/astro-messaging-v1.wire.json"), "utf8"),
);
const PREFIX = "astro.messaging.v1";

describe("the schema's wire manifest", () => {
  it("equals the spec's manifest exactly", () => {
    const actual = wireManifest(buildImage(projectRoot), PREFIX);
    expect(diffManifest(spec, actual)).toEqual([]);
    expect(Object.keys(actual.messages as object).length).toBeGreaterThan(40);
  });
});

describe("the checks catch a schema that drifts from the spec", () => {
  let scratch: ReturnType<typeof scratchSchema> | undefined;
  afterEach(() => scratch?.dispose());

  const drift = (edit: (s: ReturnType<typeof scratchSchema>) => void) => {
    scratch = scratchSchema();
    edit(scratch);
    return diffManifest(spec, wireManifest(buildImage(scratch.dir), PREFIX));
  };

  it("a wrong field number", () => {
    const problems = drift((s) =>
      s.edit("response.proto", "string response_id = 2;", "string response_id = 16;"),
    );
    expect(problems).toContain("/messages/astro.messaging.v1.AgentResponse/fields/2: missing");
    expect(problems).toContain(
      "/messages/astro.messaging.v1.AgentResponse/fields/16: not in the spec",
    );
  });

  it("a missing enum value", () => {
    const problems = drift((s) =>
      s.edit("audio.proto", /\s*\/\/ Advanced Audio Coding.*\n\s*AAC = 8;/, ""),
    );
    expect(problems).toEqual(["/enums/astro.messaging.v1.AudioEncoding/AAC: missing"]);
  });

  it("an extra field", () => {
    const problems = drift((s) =>
      s.edit(
        "trace.proto",
        "string tracestate = 2;",
        "string tracestate = 2;\n  string baggage = 3;",
      ),
    );
    expect(problems).toEqual([
      "/messages/astro.messaging.v1.TraceContext/fields/3: not in the spec",
    ]);
  });

  it("a field moved out of its oneof", () => {
    const problems = drift((s) => {
      s.edit(
        "service.proto",
        "    // The platform coordinates.\n    PlatformIdentifier platform_id = 2;\n",
        "",
      );
      s.edit(
        "service.proto",
        "// Identifies a conversation by id or by where it lives on a platform.\nmessage ConversationMetadataRequest {",
        "// x\nmessage ConversationMetadataRequest {\n  PlatformIdentifier platform_id = 2;",
      );
    });
    expect(problems).toEqual([
      "/messages/astro.messaging.v1.ConversationMetadataRequest/fields/2/oneof: missing",
    ]);
  });
});

describe("breaking-change detection", () => {
  const baseline = join(projectRoot, "test/fixtures/schema-baseline.binpb");
  let scratch: ReturnType<typeof scratchSchema> | undefined;
  afterEach(() => scratch?.dispose());

  it("passes for the committed schema against the released baseline", () => {
    const r = runBuf(projectRoot, ["breaking", "--against", baseline]);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("fails when a field is renumbered", () => {
    scratch = scratchSchema();
    scratch.edit("response.proto", "ChunkType type = 1;", "ChunkType type = 6;");
    const r = runBuf(scratch.dir, ["breaking", "--against", baseline]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(
      /Previously present field "1" with name "type" on message "ContentChunk" was deleted/,
    );
  });

  it("fails when an enum value is renamed (its JSON name changes)", () => {
    scratch = scratchSchema();
    scratch.edit("feedback.proto", "STOP = 1;", "STREAM_STOP = 1;");
    const r = runBuf(scratch.dir, ["breaking", "--against", baseline]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/STOP/);
  });

  it("allows adding a new field, which old peers skip", () => {
    scratch = scratchSchema();
    scratch.edit(
      "trace.proto",
      "string tracestate = 2;",
      "string tracestate = 2;\n  string baggage = 3;",
    );
    const r = runBuf(scratch.dir, ["breaking", "--against", baseline]);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });
});
