import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeImportBytes } from "../../src/csv/decode-import-bytes.js";

const CSV = "Name,Status\r\nUniversité de Montréal,Active Lead\r\nMünchen Data Lab,Waiting\r\n";

describe("decodeImportBytes", () => {
  it.each([
    ["UTF-8", Buffer.from(CSV), "UTF-8"],
    ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]), "UTF-8 (with a byte-order mark)"],
  ])("reads %s as it is", (_case, bytes, encoding) => {
    expect(decodeImportBytes(bytes)).toEqual({ ok: true, text: CSV, encoding, warning: null });
  });

  it.each([
    ["a replacement character already in the file", Buffer.from("Name\nUniversit\ufffd\n"), /replacement character � on line 2/],
    ["NUL bytes (UTF-16 without a BOM)", iconv.encode("Name\n", "utf-16le"), /NUL bytes/],
    ["a UTF-16 file cut in half a character", Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]), /odd number of bytes/],
  ])("refuses %s", (_case, bytes, message) => {
    const decoded = decodeImportBytes(bytes);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.message).toMatch(message);
  });
});
