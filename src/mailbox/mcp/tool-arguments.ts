import { assertArgument } from "../../client/errors.js";

/**
 * The JSON Schema of one tool argument, in the small subset the mailbox tools
 * publish: a string, an integer, a boolean, an array of one of these, an
 * object of free JSON, or (no `type`) any JSON value. The same object is
 * published in `tools/list` and checked by `checkArguments`, so what a model
 * is told and what is enforced cannot drift apart.
 */
export type ArgumentSchema =
  | { type: "string"; description?: string; minLength?: number; maxLength?: number }
  | { type: "integer"; description?: string; minimum?: number; maximum?: number }
  | { type: "boolean"; description?: string }
  | {
      type: "array";
      description?: string;
      items: ArgumentSchema;
      minItems?: number;
      maxItems?: number;
    }
  | { type: "object"; description?: string }
  | { type?: undefined; description?: string };

/** The input schema of a tool: an object of named arguments, nothing else. */
export interface ToolInputSchema {
  type: "object";
  properties: Record<string, ArgumentSchema>;
  required?: string[];
  additionalProperties: false;
}

/**
 * Checks a tool's arguments against its input schema and answers them;
 * the first problem throws an AgentwireError of reason "invalid_argument"
 * that names the tool and the argument (`send: "to[1]" must be a non-empty
 * string, got 3`), so a model can correct its call.
 */
export function checkArguments(
  tool: string,
  schema: ToolInputSchema,
  args: unknown,
): Record<string, unknown> {
  const value = args ?? {};
  assertArgument(isObject(value), `${tool}: the arguments must be an object, got ${kindOf(value)}`);
  const names = Object.keys(schema.properties);
  for (const key of Object.keys(value)) {
    assertArgument(
      Object.hasOwn(schema.properties, key),
      `${tool}: unknown argument "${key}"; the arguments are ${names.join(", ") || "none"}`,
    );
  }
  for (const key of schema.required ?? []) {
    assertArgument(
      value[key] !== undefined,
      `${tool}: missing required argument "${key}"${describeSchema(schema.properties[key])}`,
    );
  }
  for (const [key, property] of Object.entries(schema.properties)) {
    if (value[key] !== undefined) checkValue(tool, key, property, value[key]);
  }
  return value;
}

function checkValue(tool: string, path: string, schema: ArgumentSchema, value: unknown): void {
  const fail = (expected: string): never => {
    assertArgument(false, `${tool}: "${path}" must be ${expected}, got ${kindOf(value)}`);
    throw new Error("unreachable");
  };
  switch (schema.type) {
    case "string": {
      const min = schema.minLength ?? 0;
      if (typeof value !== "string" || value.length < min)
        fail(min > 0 ? "a non-empty string" : "a string");
      if ((value as string).length > (schema.maxLength ?? Number.POSITIVE_INFINITY))
        fail(`a string of at most ${schema.maxLength} characters`);
      return;
    }
    case "integer": {
      const min = schema.minimum ?? Number.NEGATIVE_INFINITY;
      const max = schema.maximum ?? Number.POSITIVE_INFINITY;
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
        fail(`an integer${range(schema.minimum, schema.maximum)}`);
      return;
    }
    case "boolean":
      if (typeof value !== "boolean") fail("true or false");
      return;
    case "array": {
      if (!Array.isArray(value)) fail("an array");
      const items = value as unknown[];
      if (items.length < (schema.minItems ?? 0))
        fail(`an array of at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}`);
      if (items.length > (schema.maxItems ?? Number.POSITIVE_INFINITY))
        fail(`an array of at most ${schema.maxItems} items`);
      items.forEach((item, i) => {
        checkValue(tool, `${path}[${i}]`, schema.items, item);
      });
      return;
    }
    case "object":
      if (!isObject(value)) fail("a JSON object");
      return;
    default:
      // Any JSON value: what came over JSON-RPC is JSON already.
      return;
  }
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return "";
}

function describeSchema(schema: ArgumentSchema | undefined): string {
  const first = schema?.description?.split(/(?<=\.)\s/)[0];
  return first === undefined ? "" : ` (${first.replace(/\.$/, "")})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a${typeof value === "object" ? "n" : ""} ${typeof value}`;
}
