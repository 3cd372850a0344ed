/**
 * A plain-text table for people: a header, a rule, one line per row, columns padded to
 * their widest cell. Line breaks inside a cell are shown as `↵` so a row stays one line.
 */
export function renderTable(input: { columns: readonly string[]; rows: readonly (readonly (string | null)[])[] }): string {
  const cells = input.rows.map((row) => row.map((cell) => (cell ?? "").replace(/\r?\n/g, " ↵ ")));
  const widths = input.columns.map((column, i) => Math.max(column.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(input.columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
