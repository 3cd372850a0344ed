import type { CsvProblem } from "../csv/csv-table.js";
import type { CliContext } from "./cli-command.js";

/** `file:row:column: message`, the form editors and CI annotate; `file:row: message` for a whole row. */
export function formatProblem(file: string, problem: CsvProblem, severity: "error" | "warning" = "error"): string {
  const place = problem.column === null ? `${file}:${problem.row}` : `${file}:${problem.row}:${problem.column}`;
  return `${place}: ${severity === "warning" ? "warning: " : ""}${problem.message}`;
}

export function reportWarnings(ctx: CliContext, file: string, warnings: readonly CsvProblem[]): void {
  for (const warning of warnings) ctx.err(formatProblem(file, warning, "warning"));
}

/** Prints every problem and the verdict; the caller exits 1. */
export function reportRefusedFile(ctx: CliContext, input: { command: string; file: string; problems: readonly CsvProblem[] }): void {
  for (const problem of input.problems) ctx.err(formatProblem(input.file, problem));
  const n = input.problems.length;
  ctx.err(`hub-sales ${input.command}: ${input.file} refused, nothing written: ${n} problem${n === 1 ? "" : "s"} to fix`);
}
