#!/usr/bin/env node
// The package's bin: a thin shell around runCli on the built code (`npm run build`).
import { runCli } from "../dist/src/cli/main.js";

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// exitCode rather than exit(): lets a large --json output drain into a pipe first.
process.exitCode = code;
