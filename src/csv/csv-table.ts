import { parse } from "csv-parse/sync";

/**
 * Something wrong (or worth a warning) in a CSV file, located the way a person finds it
 * in an editor: `row` is the 1-based line where the record starts (the header is row 1,
 * a value spanning several lines counts them all), `column` the header name.
 */
export interface CsvProblem {
  row: number;
  /** The header name of the cell, or null when the problem is the whole row or file. */
  column: string | null;
  message: string;
}

/** One record of the file, its cells trimmed of nothing: readers decide what to trim. */
export interface CsvRecord {
  row: number;
  cells: string[];
}

export interface CsvTable {
  /** Header names, trimmed. */
  header: string[];
  /** Data records, without blank ones (every cell empty or whitespace). */
  records: CsvRecord[];
}

export type CsvTableResult = { ok: true; table: CsvTable } | { ok: false; problems: CsvProblem[] };

interface ParsedRecord {
  record: string[];
  raw: string;
  info: { lines: number };
}

/**
 * Splits CSV text into a header and records, with line numbers people can trust.
 * Handles a UTF-8 byte-order mark, CRLF or CR line ends, quoted values holding commas,
 * quotes and line breaks, and blank lines anywhere (AirTable and spreadsheets leave
 * trailing ones). A record with more or fewer values than the header is a problem:
 * it is usually an unquoted comma or line break, and guessing would import garbage.
 */
export function parseCsvTable(text: string): CsvTableResult {
  // Line ends are unified first: csv-parse counts a CRLF inside a quoted value as two
  // lines, which would put every later row number off by one.
  const normalized = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  let parsed: ParsedRecord[];
  try {
    parsed = parse(normalized, {
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as ParsedRecord[];
  } catch (error) {
    const problem = describeParseError(error);
    // csv-parse reports an unclosed quote where the file ends; the person needs where it opened.
    if ((error as { code?: string }).code === "CSV_QUOTE_NOT_CLOSED") problem.row = unclosedQuoteLine(normalized) ?? problem.row;
    return { ok: false, problems: [problem] };
  }
  const rows = parsed
    .map((p) => ({ row: startLine(p), cells: p.record }))
    .filter((r) => r.cells.some((cell) => cell.trim() !== ""));
  const [headerRecord, ...records] = rows;
  if (headerRecord === undefined) {
    return { ok: false, problems: [{ row: 1, column: null, message: "the file is empty: it needs a header row of column names" }] };
  }
  const header = headerRecord.cells.map((cell) => cell.trim());
  const problems: CsvProblem[] = [];
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === "") return;
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        row: headerRecord.row,
        column: name,
        message: `the column "${name}" appears twice (columns ${first + 1} and ${index + 1}); each column name must be unique`,
      });
    } else {
      seen.set(key, index);
    }
  });
  for (const record of records) {
    if (record.cells.length !== header.length) {
      problems.push({
        row: record.row,
        column: null,
        message: `this row has ${record.cells.length} values but the header has ${header.length} columns; a value containing a comma or a line break must be in double quotes`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, table: { header, records } };
}

/** The line of the quote that opens the value left unclosed at the end of the file. */
function unclosedQuoteLine(text: string): number | null {
  let line = 1;
  let openedAt: number | null = null;
  let fieldStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (openedAt !== null) {
      if (c === '"') {
        if (text[i + 1] === '"') i += 1;
        else openedAt = null;
      }
    } else if (c === '"' && fieldStart) {
      openedAt = line;
    }
    if (c === "\n") line += 1;
    fieldStart = openedAt === null && (c === "," || c === "\n");
  }
  return openedAt;
}

/** The line where a record starts: csv-parse reports where it ends. */
function startLine(parsed: ParsedRecord): number {
  const body = parsed.raw.replace(/^\n+/, "").replace(/\n$/, "");
  const inner = body.split("\n").length - 1;
  return parsed.info.lines - inner;
}

function describeParseError(error: unknown): CsvProblem {
  const e = error as { code?: string; lines?: number; message?: string };
  const row = typeof e.lines === "number" && e.lines > 0 ? e.lines : 1;
  switch (e.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return {
        row,
        column: null,
        message:
          'a double quote opened on or before this line is never closed; every quoted value needs a closing " (write "" for a quote inside a value)',
      };
    case "CSV_INVALID_OPENING_QUOTE":
    case "INVALID_OPENING_QUOTE":
      return {
        row,
        column: null,
        message: 'a double quote appears inside an unquoted value; quote the whole value and write "" for each quote inside it',
      };
    case "CSV_INVALID_CLOSING_QUOTE":
    case "INVALID_CLOSING_QUOTE":
      return {
        row,
        column: null,
        message: 'a quoted value is followed by more text before the comma; write "" for a quote inside a quoted value',
      };
    default:
      return { row, column: null, message: `not a readable CSV file: ${(e.message ?? String(error)).split("\n")[0]}` };
  }
}

/** Finds a column by name: exact first, then ignoring case and surrounding spaces. */
export function findColumn(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact !== -1) return exact;
  const wanted = name.trim().toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === wanted);
}

/** Orders problems as a person reads the file: by row, then by column position. */
export function sortProblems(problems: CsvProblem[], header: readonly string[] = []): CsvProblem[] {
  const position = (column: string | null) => (column === null ? -1 : header.indexOf(column));
  return [...problems].sort((a, b) => a.row - b.row || position(a.column) - position(b.column));
}
