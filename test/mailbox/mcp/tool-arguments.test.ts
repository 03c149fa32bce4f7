import { AgentwireError } from "agentwire/mailbox";
import { checkArguments, mailboxTools, type ToolInputSchema } from "agentwire/mailbox-mcp";
import { describe, expect, it } from "vitest";

const schema: ToolInputSchema = {
  type: "object",
  properties: {
    to: {
      type: "array",
      items: { type: "string", minLength: 1 },
      minItems: 1,
      description: "Recipients.",
    },
    n: { type: "integer", minimum: 0, maximum: 9 },
    flag: { type: "boolean" },
    note: { type: "string", maxLength: 3 },
    snapshot: { type: "object" },
    payload: {},
  },
  required: ["to"],
  additionalProperties: false,
};

function problem(args: unknown): string {
  try {
    checkArguments("t", schema, args);
  } catch (e) {
    expect(e).toBeInstanceOf(AgentwireError);
    expect((e as AgentwireError).reason).toBe("invalid_argument");
    return (e as AgentwireError).rawMessage;
  }
  return "accepted";
}

describe("checkArguments", () => {
  it("accepts what the schema allows, any JSON as an untyped value", () => {
    const args = { to: ["a"], n: 9, flag: false, note: "abc", snapshot: {}, payload: [null, 1] };
    expect(checkArguments("t", schema, args)).toBe(args);
    expect(problem({ to: ["a"], payload: null })).toBe("accepted");
  });

  it("names the tool, the argument and what was wrong", () => {
    expect(problem(undefined)).toBe('t: missing required argument "to" (Recipients)');
    expect(problem([])).toBe("t: the arguments must be an object, got an array");
    expect(problem({ to: ["a"], extra: 1 })).toBe(
      't: unknown argument "extra"; the arguments are to, n, flag, note, snapshot, payload',
    );
    expect(problem({ to: "a" })).toBe('t: "to" must be an array, got the string "a"');
    expect(problem({ to: [] })).toBe('t: "to" must be an array of at least 1 item, got an array');
    expect(problem({ to: ["a", ""] })).toBe(
      't: "to[1]" must be a non-empty string, got the string ""',
    );
    expect(problem({ to: ["a"], n: 10 })).toBe('t: "n" must be an integer from 0 to 9, got 10');
    expect(problem({ to: ["a"], n: "1" })).toBe(
      't: "n" must be an integer from 0 to 9, got the string "1"',
    );
    expect(problem({ to: ["a"], flag: 1 })).toBe('t: "flag" must be true or false, got 1');
    expect(problem({ to: ["a"], note: "abcd" })).toBe(
      't: "note" must be a string of at most 3 characters, got the string "abcd"',
    );
    expect(problem({ to: ["a"], snapshot: null })).toBe(
      't: "snapshot" must be a JSON object, got null',
    );
  });

  it("every tool publishes only what it checks: the keywords checkArguments knows, a description on each argument", () => {
    const known = new Set([
      "type",
      "description",
      "items",
      "minItems",
      "maxItems",
      "minLength",
      "maxLength",
      "minimum",
      "maximum",
    ]);
    const visit = (s: Record<string, unknown>, where: string) => {
      for (const k of Object.keys(s)) expect(known.has(k) ? k : `${where}.${k}`).toBe(k);
      if (s.items !== undefined) visit(s.items as Record<string, unknown>, `${where}[]`);
    };
    for (const tool of mailboxTools) {
      expect(Object.keys(tool.inputSchema).sort()).toEqual(
        tool.inputSchema.required === undefined
          ? ["additionalProperties", "properties", "type"]
          : ["additionalProperties", "properties", "required", "type"],
      );
      for (const r of tool.inputSchema.required ?? [])
        expect(tool.inputSchema.properties).toHaveProperty(r);
      for (const [name, p] of Object.entries(tool.inputSchema.properties)) {
        expect(p.description, `${tool.name}.${name}`).toBeTruthy();
        visit(p as Record<string, unknown>, `${tool.name}.${name}`);
      }
    }
  });
});
