import type { DescEnum, DescField, DescMessage, DescOneof, MessageShape } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import {
  type ReflectList,
  type ReflectMap,
  type ReflectMessage,
  reflect,
  type ScalarValue,
} from "@bufbuild/protobuf/reflect";

/** Options of {@link populate} and {@link populateVariants}. */
export interface PopulateOptions {
  /** How deep nested messages are filled; deeper message fields stay unset, so cycles end. */
  maxDepth?: number;
  /** How many elements each repeated field and how many entries each map gets. */
  collectionSize?: number;
}

/** One fully populated message, labelled by the oneof members it sets at the top level. */
export interface PopulatedVariant<Desc extends DescMessage> {
  /** Which top-level oneof member this variant sets, e.g. `payload=content`, or `all fields`. */
  label: string;
  /** The populated message. */
  message: MessageShape<Desc>;
}

interface Filler {
  maxDepth: number;
  collectionSize: number;
  /** A counter that makes every produced value distinct, so swapped fields cannot compare equal. */
  seed: number;
}

const TIMESTAMP = "google.protobuf.Timestamp";

function resolveOptions(options: PopulateOptions | undefined): Filler {
  return {
    maxDepth: options?.maxDepth ?? 8,
    collectionSize: options?.collectionSize ?? 3,
    seed: 1,
  };
}

/**
 * Creates a message of `desc` with every field set to a non-default value:
 * scalars, enums (non-zero), lists and maps with several entries, nested messages
 * filled recursively, and in each oneof one member (the one named in `choose`,
 * else a member picked by a rotating seed).
 */
export function populate<Desc extends DescMessage>(
  desc: Desc,
  options?: PopulateOptions,
  choose?: ReadonlyMap<DescOneof, DescField>,
): MessageShape<Desc> {
  return fillMessage(desc, resolveOptions(options), 0, choose).message as MessageShape<Desc>;
}

/**
 * Populates `desc` once per member of each of its oneofs (that member set, other
 * oneofs on their first member), so every oneof member is covered; a message
 * without oneofs gives one variant.
 */
export function populateVariants<Desc extends DescMessage>(
  desc: Desc,
  options?: PopulateOptions,
): PopulatedVariant<Desc>[] {
  if (desc.oneofs.length === 0) {
    return [{ label: "all fields", message: populate(desc, options) }];
  }
  return desc.oneofs.flatMap((oneof) =>
    oneof.fields.map((member) => {
      const choose = new Map(desc.oneofs.map((o) => [o, o.fields[0]!]));
      choose.set(oneof, member);
      return { label: `${oneof.name}=${member.name}`, message: populate(desc, options, choose) };
    }),
  );
}

/**
 * Lists the paths of fields left at their default in `message`, recursively
 * (for a oneof: unset if no member is set), so a test can prove a filler set everything.
 */
export function unsetFields<Desc extends DescMessage>(
  desc: Desc,
  message: MessageShape<Desc>,
): string[] {
  return unsetIn(reflect(desc, message), desc.name);
}

function unsetIn(r: ReflectMessage, path: string): string[] {
  const problems: string[] = [];
  for (const member of r.members) {
    const field = member.kind === "oneof" ? r.oneofCase(member) : member;
    if (field === undefined || !r.isSet(field)) {
      problems.push(`${path}.${member.name}`);
      continue;
    }
    const at = `${path}.${field.name}`;
    if (field.fieldKind === "message") {
      problems.push(...unsetIn(r.get(field), at));
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const [i, item] of (r.get(field) as ReflectList<ReflectMessage>).entries()) {
        problems.push(...unsetIn(item, `${at}[${i}]`));
      }
    } else if (field.fieldKind === "map" && field.mapKind === "message") {
      for (const [k, v] of r.get(field) as ReflectMap<unknown, ReflectMessage>) {
        problems.push(...unsetIn(v, `${at}[${String(k)}]`));
      }
    }
  }
  return problems;
}

function fillMessage(
  desc: DescMessage,
  f: Filler,
  depth: number,
  choose?: ReadonlyMap<DescOneof, DescField>,
): ReflectMessage {
  const r = reflect(desc);
  if (desc.typeName === TIMESTAMP) {
    // Timestamps must stay in the range JSON can print: 0001-01-01 to 9999-12-31, nanos < 1e9.
    r.set(desc.field.seconds!, BigInt(1_700_000_000 + f.seed++));
    r.set(desc.field.nanos!, 123_456_789);
    return r;
  }
  if (desc.typeName.startsWith("google.protobuf.")) {
    throw new Error(`populate: no rule for the well-known type ${desc.typeName}`);
  }
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const field = choose?.get(member) ?? member.fields[f.seed++ % member.fields.length]!;
      setField(r, field, f, depth);
    } else {
      setField(r, member, f, depth);
    }
  }
  return r;
}

function setField(r: ReflectMessage, field: DescField, f: Filler, depth: number): void {
  switch (field.fieldKind) {
    case "scalar":
      r.set(field, scalarValue(field.scalar, f.seed++));
      return;
    case "enum":
      r.set(field, enumValue(field.enum, f.seed++));
      return;
    case "message":
      if (depth < f.maxDepth) r.set(field, fillMessage(field.message, f, depth + 1));
      return;
    case "list": {
      const list = r.get(field);
      for (let i = 0; i < f.collectionSize; i++) {
        if (field.listKind === "scalar") list.add(scalarValue(field.scalar, f.seed++));
        else if (field.listKind === "enum") list.add(enumValue(field.enum, f.seed++));
        else if (depth < f.maxDepth) list.add(fillMessage(field.message, f, depth + 1));
      }
      return;
    }
    case "map": {
      const map = r.get(field);
      const keys = mapKeys(field.mapKey, f.collectionSize, f.seed);
      f.seed += f.collectionSize;
      for (const key of keys) {
        if (field.mapKind === "scalar") map.set(key, scalarValue(field.scalar, f.seed++));
        else if (field.mapKind === "enum") map.set(key, enumValue(field.enum, f.seed++));
        else if (depth < f.maxDepth) map.set(key, fillMessage(field.message, f, depth + 1));
      }
      return;
    }
  }
}

/** A non-zero value of `enumDesc`, rotating through its values. */
function enumValue(enumDesc: DescEnum, seed: number): number {
  const values = enumDesc.values.filter((v) => v.number !== 0);
  if (values.length === 0) throw new Error(`populate: ${enumDesc.typeName} has no non-zero value`);
  return values[seed % values.length]!.number;
}

/**
 * A non-default value of a scalar type: 64-bit integers as bigint beyond 2^53 (and
 * negative where signed), 32-bit ones near their limits, floats exact in float32,
 * strings with non-ASCII characters, bytes with high bits set.
 */
export function scalarValue(type: ScalarType, seed: number): ScalarValue {
  const n = BigInt(seed);
  switch (type) {
    case ScalarType.DOUBLE:
      return seed % 2 === 0 ? 1e300 / (seed + 1) : -(seed + 0.125);
    case ScalarType.FLOAT:
      return seed % 2 === 0 ? seed + 0.5 : -(seed + 0.25);
    case ScalarType.INT64:
      return seed % 2 === 0 ? 2n ** 53n + 1n + n : -(2n ** 62n) - n;
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return -(2n ** 63n) + n;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return 2n ** 64n - 1n - n;
    case ScalarType.INT32:
      return seed % 2 === 0 ? 2_100_000_000 + seed : -2_100_000_000 - seed;
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return -(2 ** 31) + seed;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return 2 ** 32 - 1 - seed;
    case ScalarType.BOOL:
      return true;
    case ScalarType.STRING:
      return `s${seed}-é✓🙂`;
    case ScalarType.BYTES:
      return new Uint8Array([seed & 0xff, 0x00, 0xff, 0x80, 0x7f]);
  }
}

/** `count` distinct map keys of a key type (bool keys can only be true and false). */
function mapKeys(type: ScalarType, count: number, seed: number): ScalarValue[] {
  if (type === ScalarType.BOOL) return [true, false];
  return Array.from({ length: count }, (_, i) => scalarValue(type, seed + i));
}
