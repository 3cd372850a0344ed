import iconv from "iconv-lite";

/**
 * Imports decode strictly: a file is read as what it is, or refused, and never imported
 * with replacement characters (`�`) standing in for letters of people's names.
 *
 * - a byte-order mark decides: UTF-8, UTF-16 LE or UTF-16 BE;
 * - otherwise strict UTF-8;
 * - otherwise, spreadsheet exports on Windows are the usual case: bytes that are valid
 *   Windows-1252 are read so (Latin-1 when none of its extra characters occur), with a
 *   warning naming the encoding;
 * - anything else is refused with a message naming what was found.
 */
export type DecodedImport =
  | { ok: true; text: string; encoding: string; warning: string | null }
  | { ok: false; message: string };

// Bytes Windows-1252 leaves undefined; in a Latin-1 reading they are C1 control characters.
const UNDEFINED_IN_WINDOWS_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

export function decodeImportBytes(bytes: Uint8Array): DecodedImport {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(buffer, [0xef, 0xbb, 0xbf])) return strictUtf8(buffer.subarray(3), "UTF-8 (with a byte-order mark)");
  if (startsWith(buffer, [0xff, 0xfe])) return utf16(buffer.subarray(2), "utf-16le", "UTF-16 LE");
  if (startsWith(buffer, [0xfe, 0xff])) return utf16(buffer.subarray(2), "utf-16be", "UTF-16 BE");
  if (buffer.includes(0)) {
    return { ok: false, message: "holds NUL bytes: it is binary or UTF-16 without a byte-order mark; export it as CSV in UTF-8" };
  }
  // Valid UTF-8 is read as UTF-8 (or refused for the `�` it holds), never guessed further.
  if (firstInvalidUtf8(buffer) < 0) return strictUtf8(buffer, "UTF-8");

  const where = describeInvalidByte(buffer);
  if (buffer.some((b) => UNDEFINED_IN_WINDOWS_1252.has(b))) {
    return { ok: false, message: `is not UTF-8 (${where}) and not Windows-1252 or Latin-1 text either; export it as CSV in UTF-8` };
  }
  const c1 = buffer.some((b) => b >= 0x80 && b <= 0x9f);
  const encoding = c1 ? "Windows-1252" : "Latin-1 (ISO-8859-1)";
  const text = iconv.decode(buffer, c1 ? "windows-1252" : "latin1");
  return {
    ok: true,
    text,
    encoding,
    warning: `is not UTF-8 (${where}): read as ${encoding}; export it in UTF-8 to be sure of every character`,
  };
}

function startsWith(buffer: Buffer, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => buffer[i] === b);
}

function strictUtf8(buffer: Buffer, encoding: string): DecodedImport {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(buffer);
  } catch {
    return { ok: false, message: `is not valid ${encoding}: ${describeInvalidByte(buffer)}` };
  }
  return withoutReplacementCharacters(text, encoding);
}

function utf16(buffer: Buffer, codec: "utf-16le" | "utf-16be", encoding: string): DecodedImport {
  if (buffer.length % 2 !== 0) return { ok: false, message: `starts with a ${encoding} byte-order mark but has an odd number of bytes: it is cut off or not ${encoding}` };
  const text = iconv.decode(buffer, codec, { stripBOM: false });
  // iconv-lite replaces unpaired surrogates; the file held none of `�` itself unless the check below finds it.
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
  if (lone) return { ok: false, message: `is not valid ${encoding}: it holds an unpaired surrogate` };
  return withoutReplacementCharacters(text, encoding);
}

/** A file that already holds `�` was damaged by an earlier conversion: its names cannot be trusted. */
function withoutReplacementCharacters(text: string, encoding: string): DecodedImport {
  const at = text.indexOf("\ufffd");
  if (at >= 0) {
    const line = text.slice(0, at).split(/\r\n|\r|\n/).length;
    return { ok: false, message: `holds the replacement character � on line ${line}: an earlier conversion lost characters; export it again in UTF-8` };
  }
  return { ok: true, text, encoding, warning: null };
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (-1 when none). */
function firstInvalidUtf8(buffer: Buffer): number {
  let i = 0;
  while (i < buffer.length) {
    const b = buffer[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    if (length > 1) {
      const sequence = buffer.subarray(i, i + length);
      if (sequence.length < length) return i;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(sequence);
      } catch {
        return i;
      }
    }
    i += length;
  }
  return -1;
}

function describeInvalidByte(buffer: Buffer): string {
  const at = Math.max(0, firstInvalidUtf8(buffer));
  return `the first byte that is not UTF-8 is 0x${(buffer[at] ?? 0).toString(16).padStart(2, "0")} on line ${lineOf(buffer, at)}`;
}

function lineOf(buffer: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buffer[i] === 0x0a) line += 1;
  return line;
}
