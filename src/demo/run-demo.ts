import { parseArgs } from "node:util";
import { DEMO_USAGE, runDemoStory } from "./demo-story.js";

/** `npm run demo` (after the build): the offline demo; exits 0 when the story played through. */
let flags: { keep: boolean; help: boolean; airtable: boolean };
try {
  flags = parseArgs({
    options: {
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
      airtable: { type: "boolean", default: false },
    },
    strict: true,
  }).values as { keep: boolean; help: boolean; airtable: boolean };
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${DEMO_USAGE}\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${DEMO_USAGE}\n`);
  process.exit(0);
}
runDemoStory({ keep: flags.keep, airtable: flags.airtable }).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
