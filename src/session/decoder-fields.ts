import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

/**
 * The fields the fast AgentResponse reader (`response-decoder.ts`) reads,
 * with their tags taken from the generated descriptors and checked against
 * them: a field whose descriptor does not say what the reader does gets a
 * tag no input has, and a schema field the reader does not build makes
 * {@link fastReaderMatchesSchema} false (the decoder then leaves every frame
 * to `fromBinary`), so a schema change can make it slower, never wrong.
 */

/** How the fast reader reads a field; the descriptor must say the same. */
export type FastFieldKind =
  | "string"
  | "int32"
  | "int64"
  | "enum"
  | "string map"
  | {
      /** The message type the reader builds. */
      readonly message: DescMessage;
      /** A repeated message field. */
      readonly repeated?: boolean;
      /** The oneof the field is a member of. */
      readonly oneof?: string;
    };

/** One message type the fast reader builds, compared with its descriptor. */
export interface FastReaderCoverage {
  /** The message type. */
  readonly schema: DescMessage;
  /** The fields the fast reader reads, by local name. */
  readonly read: readonly string[];
  /** Fields decoded by `fromBinary` on their own bytes (payload cases), by local name. */
  readonly readByFromBinary: readonly string[];
  /** Message fields left to the fallback on purpose: a frame that carries one is decoded by `fromBinary`. */
  readonly routedToFallback: readonly string[];
  /** Why a field is not read as the descriptor says (a wrong kind, a missing field, another order). */
  readonly mismatches: readonly string[];
  /** Schema fields none of the above covers. */
  readonly unread: readonly DescField[];
}

/** Where a field may be read from, besides the fast reader itself. */
export interface FastReaderOthers {
  /** Payload cases read by `fromBinary` on their own bytes. */
  readonly readByFromBinary?: readonly string[];
  /** Message fields a frame carrying them sends to `fromBinary`. */
  readonly routedToFallback?: readonly string[];
}

/** A tag no input has (read tags are unsigned): the field goes to the fallback. */
const noTag = -1;

/**
 * Whether a reader with this coverage builds exactly the messages
 * `fromBinary` builds: no mismatch, and every unread field a message field
 * (whose zero value is absence, so a frame without it decodes the same).
 */
export function fastReaderMatchesSchema(coverage: readonly FastReaderCoverage[]): boolean {
  return coverage.every(
    (c) => c.mismatches.length === 0 && c.unread.every((f) => f.fieldKind === "message"),
  );
}

/**
 * The tags of the fields of `schema` the fast reader reads, by local name,
 * from the descriptor, and how the reader compares with the schema. `spec`
 * lists the fields in the order the reader builds the message; a field whose
 * descriptor disagrees with its kind gets a tag no input has, and is
 * recorded as a mismatch.
 */
export function fieldTags<const S extends Record<string, FastFieldKind>>(
  schema: DescMessage,
  spec: S,
  others: FastReaderOthers = {},
): { tags: { readonly [K in keyof S]: number }; coverage: FastReaderCoverage } {
  const tags: Record<string, number> = {};
  const mismatches: string[] = [];
  for (const [name, kind] of Object.entries(spec)) {
    const field = schema.fields.find((f) => f.localName === name);
    const problem = field === undefined ? "is not in the schema" : mismatch(field, kind);
    if (field === undefined || problem !== undefined) {
      mismatches.push(`${schema.typeName}.${name} ${problem}`);
      tags[name] = noTag;
    } else {
      tags[name] = (field.number << 3) | wireTypeOf(kind);
    }
  }
  // The reader builds the zero values of the non-message fields in `spec` order: the schema's order.
  const built = Object.keys(spec).filter((name) => {
    const kind = spec[name] as FastFieldKind;
    return typeof kind === "string" || kind.repeated === true;
  });
  const declared = schema.fields
    .filter((f) => f.fieldKind !== "message" && f.oneof === undefined)
    .map((f) => f.localName);
  if (built.join() !== declared.join()) {
    mismatches.push(
      `${schema.typeName}: the reader builds [${built.join(", ")}], the schema declares [${declared.join(", ")}]`,
    );
  }
  const readByFromBinary = others.readByFromBinary ?? [];
  const routedToFallback = others.routedToFallback ?? [];
  const covered = new Set([...Object.keys(spec), ...readByFromBinary, ...routedToFallback]);
  return {
    tags: Object.freeze(tags) as { readonly [K in keyof S]: number },
    coverage: {
      schema,
      read: Object.keys(spec),
      readByFromBinary,
      routedToFallback,
      mismatches,
      unread: schema.fields.filter((f) => !covered.has(f.localName)),
    },
  };
}

function wireTypeOf(kind: FastFieldKind): WireType {
  return kind === "int32" || kind === "int64" || kind === "enum"
    ? WireType.Varint
    : WireType.LengthDelimited;
}

/** What is wrong with reading `field` as `kind`, or undefined when the descriptor agrees. */
function mismatch(field: DescField, kind: FastFieldKind): string | undefined {
  if (agrees(field, kind)) return undefined;
  const expected =
    typeof kind === "string"
      ? kind
      : `${kind.repeated ? "repeated " : ""}${kind.message.typeName}${kind.oneof ? ` in oneof ${kind.oneof}` : ""}`;
  return `(field ${field.number}) is not what the reader expects (${expected})`;
}

/** Whether the descriptor of `field` says what the reader does when it reads `kind`. */
function agrees(field: DescField, kind: FastFieldKind): boolean {
  // Scalars and enums the reader builds with their zero value: implicit presence, outside a oneof.
  const implicit =
    field.presence === FeatureSet_FieldPresence.IMPLICIT && field.oneof === undefined;
  switch (kind) {
    case "string":
      return (
        field.fieldKind === "scalar" &&
        field.scalar === ScalarType.STRING &&
        field.utf8Validation &&
        implicit
      );
    case "int32":
      return field.fieldKind === "scalar" && field.scalar === ScalarType.INT32 && implicit;
    case "int64":
      return (
        field.fieldKind === "scalar" &&
        field.scalar === ScalarType.INT64 &&
        !field.longAsString &&
        implicit
      );
    case "enum":
      return field.fieldKind === "enum" && field.enum.open && implicit;
    case "string map":
      return (
        field.fieldKind === "map" &&
        field.mapKey === ScalarType.STRING &&
        field.mapKind === "scalar" &&
        field.scalar === ScalarType.STRING &&
        field.utf8Validation
      );
  }
  const message =
    kind.repeated === true
      ? field.fieldKind === "list" && field.listKind === "message"
        ? field
        : undefined
      : field.fieldKind === "message"
        ? field
        : undefined;
  return (
    message !== undefined &&
    message.message.typeName === kind.message.typeName &&
    !message.delimitedEncoding &&
    field.oneof?.localName === kind.oneof
  );
}
