/**
 * The wire facts of a schema (names, numbers, types, labels, oneofs, enum
 * values, RPC shapes) computed from a `buf build` JSON image, in the canonical
 * form of the spec's manifest, and a differ that names each mismatch.
 */

type Json = Record<string, unknown>;

const scalarNames: Record<number, string> = {
  1: "double",
  2: "float",
  3: "int64",
  4: "uint64",
  5: "int32",
  6: "fixed64",
  7: "fixed32",
  8: "bool",
  9: "string",
  10: "group",
  11: "message",
  12: "bytes",
  13: "uint32",
  14: "enum",
  15: "sfixed32",
  16: "sfixed64",
  17: "sint32",
  18: "sint64",
};

function fieldType(t: unknown): string {
  if (typeof t === "number") return scalarNames[t] ?? `unknown(${t})`;
  return String(t)
    .replace(/^TYPE_/, "")
    .toLowerCase();
}

const strip = (name: string) => name.replace(/^\./, "");

function sortedObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Computes the wire manifest of every file in `image` whose package starts with `prefix`. */
export function wireManifest(image: unknown, prefix: string): Json {
  const messages: Record<string, Json> = {};
  const enums: Record<string, Record<string, number>> = {};
  const services: Record<string, Json> = {};

  const visitEnum = (name: string, e: Json) => {
    const values: Record<string, number> = {};
    for (const v of (e.value as Json[] | undefined) ?? [])
      values[v.name as string] = (v.number as number) ?? 0;
    enums[name] = values;
  };
  const visitMessage = (name: string, m: Json) => {
    const oneofs = (m.oneofDecl as Json[] | undefined) ?? [];
    const fields: Record<string, Json> = {};
    for (const f of (m.field as Json[] | undefined) ?? []) {
      const entry: Json = { name: f.name, type: fieldType(f.type) };
      if (f.typeName) entry.typeName = strip(f.typeName as string);
      if (f.label === 3 || f.label === "LABEL_REPEATED") entry.repeated = true;
      if (f.proto3Optional) entry.optional = true;
      else if (typeof f.oneofIndex === "number") entry.oneof = oneofs[f.oneofIndex]?.name;
      fields[String(f.number)] = entry;
    }
    messages[name] = { fields };
    if ((m.options as Json | undefined)?.mapEntry) messages[name].mapEntry = true;
    for (const n of (m.nestedType as Json[] | undefined) ?? [])
      visitMessage(`${name}.${n.name}`, n);
    for (const e of (m.enumType as Json[] | undefined) ?? []) visitEnum(`${name}.${e.name}`, e);
  };

  for (const file of ((image as Json).file as Json[] | undefined) ?? []) {
    const pkg = (file.package as string | undefined) ?? "";
    if (!pkg.startsWith(prefix)) continue;
    for (const m of (file.messageType as Json[] | undefined) ?? [])
      visitMessage(`${pkg}.${m.name}`, m);
    for (const e of (file.enumType as Json[] | undefined) ?? []) visitEnum(`${pkg}.${e.name}`, e);
    for (const s of (file.service as Json[] | undefined) ?? []) {
      const methods: Record<string, Json> = {};
      for (const rpc of (s.method as Json[] | undefined) ?? []) {
        methods[rpc.name as string] = {
          input: strip(rpc.inputType as string),
          output: strip(rpc.outputType as string),
          clientStreaming: rpc.clientStreaming === true,
          serverStreaming: rpc.serverStreaming === true,
        };
      }
      services[`${pkg}.${s.name}`] = methods;
    }
  }
  return {
    messages: sortedObject(messages),
    enums: sortedObject(enums),
    services: sortedObject(services),
  };
}

/** Lists every difference between an expected and an actual manifest, as `path: what`. */
export function diffManifest(expected: unknown, actual: unknown, path = ""): string[] {
  const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null;
  if (!isObject(expected) || !isObject(actual)) {
    return JSON.stringify(expected) === JSON.stringify(actual)
      ? []
      : [`${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
  }
  const out: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const at = `${path}/${key}`;
    if (!(key in actual)) out.push(`${at}: missing`);
    else if (!(key in expected)) out.push(`${at}: not in the spec`);
    else out.push(...diffManifest(expected[key], actual[key], at));
  }
  return out;
}
