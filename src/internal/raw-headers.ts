/**
 * Node's raw header list (`rawHeaders`: name, value, name, value, ...) as a
 * fetch `Headers`, repeated names appended, for the mailbox's direct HTTP/1.1
 * paths on both sides.
 *
 * @module
 */

/** The `Headers` of a node `rawHeaders` list. */
export function headersFromRaw(raw: readonly string[]): Headers {
  const h = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i] as string, raw[i + 1] as string);
  return h;
}
