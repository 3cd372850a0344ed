import { readFile } from "node:fs/promises";
import { decodeImportBytes } from "../csv/decode-import-bytes.js";
import { CliError } from "./cli-command.js";

/**
 * Reads a file named on the command line, decoded strictly (`decodeImportBytes`): a file
 * read as another encoding than UTF-8 is reported through `onWarning`; one that cannot be
 * read faithfully is refused. A missing or unreadable file is one clear line.
 */
export async function readInputFile(path: string, onWarning?: (line: string) => void): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : String(code ?? error);
    throw new CliError(`cannot read ${path}: ${why}`);
  }
  const decoded = decodeImportBytes(bytes);
  if (!decoded.ok) throw new CliError(`cannot read ${path}: it ${decoded.message}; nothing was written`);
  if (decoded.warning !== null) onWarning?.(`${path}: warning: it ${decoded.warning}`);
  return decoded.text;
}
