// `hub-sales` from the sources, for tests that run the CLI as a process of its own.
import { runCli } from "../../src/cli/main.js";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
