import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliSandbox } from "./cli-sandbox.js";

/* Imports decode strictly: never `�` in the names, exit 0. */

const CSV = "Name,Status\r\nUniversité de Montréal,Active Lead\r\nMünchen Data Lab,Waiting\r\n";
const NAMES = ["Université de Montréal", "München Data Lab"];

let sandbox: CliSandbox;
beforeEach(() => {
  sandbox = new CliSandbox();
});
afterEach(() => sandbox.remove());

function writeBytes(name: string, bytes: Uint8Array): string {
  const path = join(sandbox.dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function importedNames(): Promise<string[]> {
  return sandbox.withStore(async (store) => (await store.listLeads()).map((l) => l.name).sort());
}

describe("leads import of a file that is not UTF-8", () => {
  it("reads a Latin-1 export with a warning naming the encoding, and no replacement characters", async () => {
    const csv = writeBytes("latin1.csv", iconv.encode(CSV, "latin1"));
    const run = await sandbox.run("leads", "import", csv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${csv}: warning: it is not UTF-8`);
    expect(run.stderr).toContain("read as Latin-1 (ISO-8859-1)");
    expect(await importedNames()).toEqual(NAMES.slice().sort());
  });

  it("names Windows-1252 when its own characters (€, curly quotes) occur", async () => {
    const csv = writeBytes("cp1252.csv", iconv.encode("Name,Status,Money\r\nRiverbend “Data” College,Active Lead,5 000 €\r\n", "windows-1252"));
    const run = await sandbox.run("leads", "import", csv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("read as Windows-1252");
    expect(await importedNames()).toEqual(["Riverbend “Data” College"]);
  });

  it.each([
    ["utf-16le", [0xff, 0xfe]],
    ["utf-16be", [0xfe, 0xff]],
  ] as const)("reads a %s export with a byte-order mark, without a warning", async (codec, bom) => {
    const csv = writeBytes(`${codec}.csv`, Buffer.concat([Buffer.from(bom), iconv.encode(CSV, codec)]));
    const run = await sandbox.run("leads", "import", csv);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(await importedNames()).toEqual(NAMES.slice().sort());
  });

  it("refuses a file that is no text encoding it can recognise, naming what it found, and writes nothing", async () => {
    // 0x81 and 0x9d are undefined in Windows-1252 and control characters in Latin-1.
    const csv = writeBytes("mystery.csv", Buffer.from([...Buffer.from("Name,Status\nAcme"), 0x81, 0x9d, ...Buffer.from(",Active Lead\n")]));
    const run = await sandbox.run("leads", "import", csv);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `hub-sales: cannot read ${csv}: it is not UTF-8 (the first byte that is not UTF-8 is 0x81 on line 2) and not Windows-1252 or Latin-1 text either; export it as CSV in UTF-8; nothing was written`,
    ]);
    expect(await importedNames()).toEqual([]);
  });
});
