import { readFile } from "node:fs/promises";
import { CliError } from "./cli-command.js";

/** Reads a file named on the command line; a missing or unreadable file is one clear line. */
export async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : String(code ?? error);
    throw new CliError(`cannot read ${path}: ${why}`);
  }
}
