import { z } from "zod";
import { EXIT_OK, type CliCommand } from "../cli-command.js";

const args = z.object({ keep: z.boolean().default(false), airtable: z.boolean().default(false) });

export const demoCommand: CliCommand<z.output<typeof args>> = {
  name: "demo",
  description: "Play the whole sales story offline against the built-in GitHub stand-in",
  details: [
    "Starts the GitHub stand-in and the app server on 127.0.0.1, imports examples/ with this CLI,",
    "then drives the pipeline with signed webhooks and prints a timeline with links. Uses a",
    "temporary store; touches nothing else. --keep leaves the stand-in up to browse (Ctrl-C ends).",
  ].join("\n"),
  positionals: [],
  options: {
    keep: { type: "boolean", description: "keep the stand-in running afterwards" },
    airtable: { type: "boolean", description: "keep the leads in the AirTable stand-in instead of SQLite" },
  },
  examples: ["demo", "demo --airtable"],
  args,
  async run({ keep, airtable }) {
    // Loaded on demand: the demo pulls in the stand-in, which no other command needs.
    const { runDemoStory } = await import("../../demo/demo-story.js");
    await runDemoStory({ keep, airtable });
    return EXIT_OK;
  },
};
