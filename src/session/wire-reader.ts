/**
 * The wire reader under the fast AgentResponse decoder: one frame at a time,
 * read from a module-level buffer and position (the hot path allocates no
 * reader object). Each primitive reads within an end position; anything it
 * does not expect (a varint too long, a length past its message, invalid
 * UTF-8, ...) sets the position to {@link bad}, past every frame, so every
 * loop over the frame stops and the frame falls back to `fromBinary`.
 * Varints are read the way protobuf-es reads them.
 *
 * @module
 */

/** A position past every frame the fast reader accepts: reading stops, and the frame falls back. */
export const bad = 0x7fffffff;

/** Strict UTF-8, as protobuf-es reads proto3 strings: invalid input throws instead of being replaced. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Buffer's native UTF-8 decoder (lenient: U+FFFD for invalid input); undefined outside Node. */
const utf8Slice = (
  globalThis.Buffer?.prototype as unknown as
    | { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }
    | undefined
)?.utf8Slice;

/** The tags of a map<string, string> entry: its key is field 1, its value field 2, by the map encoding. */
const mapEntryKeyTag = 0x0a;
const mapEntryValueTag = 0x12;

const emptyBytes = new Uint8Array(0);

/** The frame being read. */
let buf: Uint8Array = emptyBytes;
/** The read position in `buf`, or `bad` once the fast reader gave up. */
let pos = 0;

/** Starts reading `bytes` from its first byte. */
export function startReading(bytes: Uint8Array): void {
  buf = bytes;
  pos = 0;
}

/** Ends reading the frame (its buffer is let go); true when it was read exactly up to `end`. */
export function finishReading(end: number): boolean {
  buf = emptyBytes;
  return pos === end;
}

/** Whether there is more to read before `end` (false once the reader gave up). */
export function more(end: number): boolean {
  return pos < end;
}

/** Gives up on the frame: reading stops, and it falls back to `fromBinary`. */
export function giveUp(): void {
  pos = bad;
}

/** Gives up unless a nested message was read exactly up to its `stop`. */
export function expectEnd(stop: number): void {
  if (pos !== stop) pos = bad;
}

/** Reads a nested message field with `read`, which must end exactly at the field's length. */
export function readNested<T>(end: number, read: (stop: number) => T): T {
  const stop = readLength(end);
  const value = read(stop);
  expectEnd(stop);
  return value;
}

/**
 * Reads a singular nested message field, giving up (and keeping `previous`)
 * when the field occurred already.
 */
export function readNestedOnce<T>(
  end: number,
  previous: T | undefined,
  read: (stop: number) => T,
): T | undefined {
  if (previous === undefined) return readNested(end, read);
  giveUp();
  return previous;
}

/** The bytes up to `stop` (a length-delimited field's contents), skipped over. */
export function takeBytes(stop: number): Uint8Array {
  const bytes = buf.subarray(pos, stop);
  pos = stop;
  return bytes;
}

/**
 * Reads one map<string, string> entry into `map`: a missing key or value is
 * "", a later key or value replaces an earlier one, like protobuf-es.
 */
export function readStringMapEntry(map: { [key: string]: string }, end: number): void {
  const stop = readLength(end);
  let key = "";
  let value = "";
  while (pos < stop) {
    switch (readTag(end)) {
      case mapEntryKeyTag:
        key = readString(stop);
        break;
      case mapEntryValueTag:
        value = readString(stop);
        break;
      default:
        pos = bad;
    }
  }
  if (pos !== stop) {
    pos = bad;
  } else if (key === "__proto__") {
    Object.defineProperty(map, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    map[key] = value;
  }
}

/**
 * Reads a tag (field number and wire type), a uint32 varint; the one byte of
 * field numbers up to 15, the common case, is read inline.
 */
export function readTag(end: number): number {
  const b = buf[pos] as number;
  if (b < 0x80) {
    pos++;
    return b;
  }
  return readLongTag(end);
}

/**
 * Reads a tag of two to five bytes; gives up (returns 0, sets `bad`) on a
 * longer one or a fifth byte above 0x0f, which protobuf-es rejects.
 */
function readLongTag(end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) break;
    const b = buf[pos++] as number;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (shift === 28 && b > 0x0f) break;
      return result >>> 0;
    }
  }
  pos = bad;
  return 0;
}

/**
 * Reads a varint the way protobuf-es reads a uint32 (the low 32 bits of up
 * to ten bytes), within `end`; gives up (returns 0, sets `bad`) otherwise.
 */
function readVarint32(end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) {
      pos = bad;
      return 0;
    }
    const b = buf[pos++] as number;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) return result >>> 0;
  }
  // The fifth byte put bits 28..34 in place; bits beyond 31 fell off. Up to five more bytes are ignored.
  for (let i = 5; i < 10; i++) {
    if (pos >= end) {
      pos = bad;
      return 0;
    }
    if ((buf[pos++] as number) < 0x80) return result >>> 0;
  }
  pos = bad;
  return 0;
}

/** Reads an int32 (or open enum) varint. */
export function readInt32(end: number): number {
  if (pos < end) {
    const b = buf[pos] as number;
    if (b < 0x80) {
      pos++;
      return b;
    }
  }
  return readVarint32(end) | 0;
}

/** Reads an int64 varint as a bigint, like protobuf-es (the low 64 bits of up to ten bytes, signed). */
export function readInt64(end: number): bigint {
  let lo = 0;
  let hi = 0;
  let b = 0;
  let shift = 0;
  for (; shift < 28; shift += 7) {
    if (pos >= end) return giveUpInt64();
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return BigInt(lo);
  }
  if (pos >= end) return giveUpInt64();
  b = buf[pos++] as number;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x70) >> 4;
  if (b >= 0x80) {
    for (shift = 3; ; shift += 7) {
      if (shift > 31 || pos >= end) return giveUpInt64();
      b = buf[pos++] as number;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function giveUpInt64(): bigint {
  pos = bad;
  return 0n;
}

/** Reads the length of a length-delimited field and returns where it ends, or `bad` if past `end`. */
export function readLength(end: number): number {
  let len: number;
  if (pos < end && (buf[pos] as number) < 0x80) {
    len = buf[pos++] as number;
  } else {
    len = readVarint32(end);
  }
  const stop = pos + len;
  if (stop > end) pos = bad;
  return pos === bad ? bad : stop;
}

/**
 * Reads a string field, strictly UTF-8 like protobuf-es reads proto3 strings.
 * Buffer's native decoder replaces every invalid sequence with U+FFFD, so a
 * result without U+FFFD came from valid UTF-8 and equals the strict
 * decoder's; any other result is decoded again by the strict decoder.
 */
export function readString(end: number): string {
  const stop = readLength(end);
  if (stop === bad) return "";
  const start = pos;
  pos = stop;
  if (stop === start) return "";
  if (utf8Slice === undefined) return readUtf8(start, stop);
  const text = utf8Slice.call(buf, start, stop);
  return text.indexOf("\uFFFD") === -1 ? text : readUtf8(start, stop);
}

function readUtf8(start: number, stop: number): string {
  try {
    return utf8Decoder.decode(buf.subarray(start, stop));
  } catch {
    pos = bad;
    return "";
  }
}
