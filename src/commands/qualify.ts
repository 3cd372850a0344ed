import { escapeMarkdown } from "../github/markdown-text.js";
import { z } from "zod";
import { MANIAC_T_KEYS, type Lead, type ManiacT } from "../domain/records.js";
import { keyValueArguments, leadArgument } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type CommandInput, type PlanInput, type PlanResult } from "./command-definition.js";
import { runRecordCommand } from "./command-plans.js";
import { renderManiacTChecklist } from "../controller/render-lead-issue.js";

/** Command keys → MANIAC-T fields, in the checklist's order. */
export const QUALIFY_KEYS = {
  money: "money",
  authority: "authority",
  need: "need",
  event: "impendingEvent",
  application: "application",
  competition: "competition",
  timeline: "timeline",
} as const satisfies Record<string, keyof ManiacT>;

type QualifyKey = keyof typeof QUALIFY_KEYS;


export interface QualifyArgs {
  /** Notes given; an empty value (`need=""`) clears that note. */
  notes: Partial<Record<keyof ManiacT, string | null>>;
  lead?: string | undefined;
}

/** The longest note `/qualify` records (documented in the README): the lead issue shows notes in full up to about this. */
export const QUALIFY_NOTE_MAX = 2_000;

const note = z
  .string()
  .refine((text) => [...text.trim()].length <= QUALIFY_NOTE_MAX, {
    message: `a note may be at most ${QUALIFY_NOTE_MAX.toLocaleString("en-US")} characters; keep the long version in the record and summarise it here`,
  })
  .transform((text) => (text.trim() === "" ? null : text.trim()));

const qualifyArguments = keyValueArguments("qualify", {
  money: note.optional(),
  authority: note.optional(),
  need: note.optional(),
  event: note.optional(),
  application: note.optional(),
  competition: note.optional(),
  timeline: note.optional(),
  lead: leadArgument,
})
  .superRefine((args, ctx) => {
    if (!Object.keys(QUALIFY_KEYS).some((key) => args[key as QualifyKey] !== undefined)) {
      ctx.addIssue({
        code: "custom",
        message: `\`/qualify\` needs at least one note: ${Object.keys(QUALIFY_KEYS).map((k) => `\`${k}\``).join(", ")}`,
      });
    }
  })
  .transform((args): QualifyArgs => {
    const notes: QualifyArgs["notes"] = {};
    for (const [key, field] of Object.entries(QUALIFY_KEYS)) {
      const value = args[key as QualifyKey];
      if (value !== undefined) notes[field] = value;
    }
    return { notes, lead: args.lead };
  }) as unknown as z.ZodType<QualifyArgs, CommandInput>;

function planQualify({ args, lead, hubs }: PlanInput<QualifyArgs>): PlanResult {
  return { ok: true, lead: { ...lead, maniacT: { ...lead.maniacT, ...args.notes } }, hubs };
}

/** The reply's checklist: the lead issue's, with a count (sales repo only: notes are sensitive). */
function renderQualifyReply(lead: Pick<Lead, "maniacT">): string {
  const answered = MANIAC_T_KEYS.filter((k) => lead.maniacT[k] !== null).length;
  return [`MANIAC-T: ${answered} of 7 answered`, renderManiacTChecklist(lead.maniacT)].join("\n");
}

export const qualifyCommand: CommandDefinition<QualifyArgs> = {
  name: "qualify",
  usage: "/qualify [money=...] [authority=...] [need=...] [event=...] [application=...] [competition=...] [timeline=...]",
  description: "Records MANIAC-T qualification notes (any subset; an empty value clears one) and replies with the checklist.",
  examples: [
    '/qualify money="NSF grant, decision in March" authority="PI signs" need="course hub for 200 students"',
    '/qualify event="semester starts 2026-09-01" timeline=Q3 competition="self-hosted" application="teaching"',
  ],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "lead",
  arguments: () => qualifyArguments,
  plan: planQualify,
  handler: ({ args, lead, deps }) =>
    runRecordCommand({
      name: "qualify",
      plan: planQualify,
      args,
      lead,
      deps,
      summarize: ({ after }) => `Recorded MANIAC-T notes for **${escapeMarkdown(after.name)}**.\n\n${renderQualifyReply(after)}`,
    }),
};
