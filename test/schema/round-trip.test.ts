import {
  create,
  createFileRegistry,
  type DescMessage,
  equals,
  fromBinary,
  fromJson,
  fromJsonString,
  ScalarType,
  toBinary,
  toJson,
  toJsonString,
} from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { schemaFiles, schemaRegistry } from "agentwire/schema";
import { describe, expect, it } from "vitest";
import { populateVariants, unsetFields } from "../helpers/populate.js";

const PACKAGE = "astro.messaging.v1";
const registry = schemaRegistry;

const messageTypes: DescMessage[] = [];
for (const type of schemaRegistry) {
  if (type.kind === "message" && type.typeName.startsWith(`${PACKAGE}.`)) messageTypes.push(type);
}
messageTypes.sort((a, b) => a.typeName.localeCompare(b.typeName));

/** Every round trip one populated message must survive, each compared with `equals`. */
function expectRoundTrips(desc: DescMessage, message: ReturnType<typeof create>): void {
  const bytes = toBinary(desc, message);
  const fromBytes = fromBinary(desc, bytes);
  expect(equals(desc, fromBytes, message)).toBe(true);
  // Re-encoding what was decoded gives the same bytes.
  expect(toBinary(desc, fromBytes)).toEqual(bytes);

  const json = toJson(desc, message, { registry });
  const fromJsonValue = fromJson(desc, json, { registry });
  expect(equals(desc, fromJsonValue, message)).toBe(true);
  // JSON and binary agree: the JSON-decoded message encodes to the same bytes.
  expect(toBinary(desc, fromJsonValue)).toEqual(bytes);

  const text = toJsonString(desc, message, { registry });
  expect(equals(desc, fromJsonString(desc, text, { registry }), message)).toBe(true);
}

describe(`every message of ${PACKAGE}`, () => {
  it("is found by reflection, in the registry and the file descriptors alike", () => {
    // The schema has 46 messages; an empty or partial iteration must not pass.
    expect(messageTypes.length).toBeGreaterThanOrEqual(45);
    const fromFiles = schemaFiles
      .flatMap((file) => [...nestedTypes(file)])
      .filter((t) => t.kind === "message")
      .map((t) => t.typeName)
      .sort((a, b) => a.localeCompare(b));
    expect(fromFiles).toEqual(messageTypes.map((t) => t.typeName));
  });

  describe.each(messageTypes.map((desc) => [desc.typeName, desc] as const))("%s", (_, desc) => {
    const variants = populateVariants(desc);

    it("has one variant per oneof member", () => {
      const members = desc.oneofs.reduce((sum, o) => sum + o.fields.length, 0);
      expect(variants.length).toBe(Math.max(1, members));
    });

    it.each(variants.map((v) => [v.label, v] as const))(
      "round-trips populated (%s)",
      (_, variant) => {
        const { message } = variant;
        // The filler left nothing at its default, at any depth.
        expect(unsetFields(desc, message)).toEqual([]);
        if (desc.fields.length > 0) {
          expect(equals(desc, message, create(desc))).toBe(false);
          expect(toBinary(desc, message).length).toBeGreaterThan(0);
        } else {
          // Only a message without fields (HealthCheckRequest) may encode to nothing.
          expect(toBinary(desc, message).length).toBe(0);
        }
        expectRoundTrips(desc, message);
      },
    );
  });
});

/**
 * A message built at run time with a field of every scalar type, as single,
 * repeated and map key, plus an enum, a nested message and a oneof: the
 * schema itself uses only some scalar types, and the filler must handle all.
 */
function allKindsMessage(): DescMessage {
  const scalarTypes = Object.values(ScalarType).filter(
    (v): v is ScalarType => typeof v === "number",
  );
  const keyTypes = scalarTypes.filter(
    (t) => t !== ScalarType.DOUBLE && t !== ScalarType.FLOAT && t !== ScalarType.BYTES,
  );
  const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
  // protoc fills json_name; a hand-made descriptor must too, or every JSON key is "".
  const jsonName = (name: string) => name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
  let number = 1;
  const scalarField = (name: string, type: ScalarType, label = OPTIONAL) => ({
    name,
    jsonName: jsonName(name),
    number: number++,
    label,
    type: type as number as FieldDescriptorProto_Type,
  });
  const typeField = (name: string, type: FieldDescriptorProto_Type, typeName: string) => ({
    name,
    jsonName: jsonName(name),
    number: number++,
    label: OPTIONAL,
    type,
    typeName,
  });
  // A map field `map_int64` has the nested entry type `MapInt64Entry` { key = 1; value = 2; }.
  const lower = (t: ScalarType) => ScalarType[t].toLowerCase();
  const entryField = (name: string, n: number, type: ScalarType) => ({
    name,
    jsonName: name,
    number: n,
    label: OPTIONAL,
    type: type as number as FieldDescriptorProto_Type,
  });
  const entries = keyTypes.map((t) => ({
    field: `map_${lower(t)}`,
    name: `Map${lower(t).replace(/^./, (c) => c.toUpperCase())}Entry`,
    type: {
      name: `Map${lower(t).replace(/^./, (c) => c.toUpperCase())}Entry`,
      field: [entryField("key", 1, t), entryField("value", 2, ScalarType.STRING)],
      options: { mapEntry: true },
    },
  }));
  const field = [
    ...scalarTypes.map((t) => scalarField(`single_${lower(t)}`, t)),
    ...scalarTypes.map((t) => scalarField(`repeated_${lower(t)}`, t, REPEATED)),
    ...entries.map((e) => ({
      ...typeField(e.field, FieldDescriptorProto_Type.MESSAGE, `.test.AllKinds.${e.name}`),
      label: REPEATED,
    })),
    typeField("color", FieldDescriptorProto_Type.ENUM, ".test.Color"),
    typeField("child", FieldDescriptorProto_Type.MESSAGE, ".test.Child"),
    { ...typeField("pick_text", FieldDescriptorProto_Type.STRING, ""), oneofIndex: 0 },
    { ...typeField("pick_child", FieldDescriptorProto_Type.MESSAGE, ".test.Child"), oneofIndex: 0 },
  ];
  const file = create(FileDescriptorProtoSchema, {
    name: "test/all_kinds.proto",
    package: "test",
    syntax: "proto3",
    enumType: [
      {
        name: "Color",
        value: [
          { name: "COLOR_UNSPECIFIED", number: 0 },
          { name: "RED", number: 1 },
        ],
      },
    ],
    messageType: [
      { name: "Child", field: [scalarField("note", ScalarType.STRING)] },
      {
        name: "AllKinds",
        field,
        nestedType: entries.map((e) => e.type),
        oneofDecl: [{ name: "pick" }],
      },
    ],
  });
  return createFileRegistry(file, () => undefined).getMessage("test.AllKinds")!;
}

describe("the filler", () => {
  const desc = allKindsMessage();

  it("covers every scalar type, single, repeated and as a map key", () => {
    const single = desc.fields.filter((f) => f.fieldKind === "scalar" && f.oneof === undefined);
    expect(single.length).toBe(15);
    expect(desc.fields.filter((f) => f.fieldKind === "list").length).toBe(15);
    expect(desc.fields.filter((f) => f.fieldKind === "map").length).toBe(12);
  });

  it.each(populateVariants(desc).map((v) => [v.label, v] as const))(
    "populates and round-trips it (%s)",
    (_, { message }) => {
      expect(unsetFields(desc, message)).toEqual([]);
      expect(equals(desc, message, create(desc))).toBe(false);
      expectRoundTrips(desc, message);
    },
  );
});
