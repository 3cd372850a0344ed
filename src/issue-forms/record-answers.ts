import type { CalendarDate } from "../domain/calendar-date.js";
import { escapeMarkdown } from "../github/markdown-text.js";
import type { IssueFormField } from "./issue-form.schema.js";
import { labelGroup, type LabelAliases } from "./label-aliases.js";
import type { FormAnswers } from "./render-issue-form.js";

/** What the hub repo may learn from the record: public by design (no fees, notes or emails). */
export interface RecordFacts {
  leadName: string;
  githubHandles: readonly string[];
  serviceStartDate: CalendarDate | null;
  requestInformationUrl: string | null;
}

/**
 * Free text from the record (the lead's name) enters an issue body through here, as text
 * and never as markup. Handles, dates and issue URLs are validated values the app renders
 * itself (handles as the mentions they are meant to be), so they go in as they are.
 */
export function fromRecord(value: string): string {
  return escapeMarkdown(value);
}

interface AnswerRule {
  /** Matched against the field's label and its configured aliases. */
  label: RegExp;
  answer: (facts: RecordFacts) => string | null;
}

const handles = (facts: RecordFacts) => facts.githubHandles.map((h) => `@${h}`);

const DEPLOYMENT_RULES: AnswerRule[] = [
  {
    label: /github handle of the community representative|^community representatives?$/,
    answer: (f) => (f.githubHandles.length > 0 ? handles(f).join(", ") : null),
  },
  {
    label: /important dates/,
    answer: (f) =>
      f.serviceStartDate
        ? `- **Required start date**: ${f.serviceStartDate}\n- **Any important dates for usage**: pending`
        : null,
  },
  { label: /^(target|required) start date$/, answer: (f) => f.serviceStartDate },
  {
    label: /^other relevant information/,
    answer: (f) => (f.requestInformationUrl ? `Information collected in ${f.requestInformationUrl}` : null),
  },
];

const REQUEST_INFORMATION_RULES: AnswerRule[] = [
  {
    label: /^hub description$/,
    answer: (f) =>
      `A new hub for **${fromRecord(f.leadName)}**. The community representatives will describe the community and the hub's use-case below.`,
  },
  {
    label: /^community representative/,
    answer: (f) => {
      const reps = handles(f);
      return [
        reps.length > 0 ? `Hey ${reps.join(", ")}!` : "Hey! (no community representative is recorded yet)",
        "We are getting ready to deploy your new hub. Please tell us in **this issue** what the deployment request form asks",
        "(authentication, first hub administrators, logo, user image, important dates, cloud preferences).",
        "When you are ready, a team member opens the deployment request, pre-filled from what we know, and links it here;",
        "then an engineer will be assigned and will start deploying the new hub 🚀. Thank you!",
      ].join("\n");
    },
  },
];

/** The answers the record gives to a form's fields, by kind of issue. */
export function recordAnswers(kind: "deployment" | "request-information", facts: RecordFacts, aliases: LabelAliases = {}): FormAnswers {
  const rules = kind === "deployment" ? DEPLOYMENT_RULES : REQUEST_INFORMATION_RULES;
  return (field: IssueFormField) => {
    if (field.type === "checkboxes" || field.type === "dropdown") return null;
    const labels = [...labelGroup(field.label, aliases)];
    const rule = rules.find((r) => labels.some((l) => r.label.test(l)));
    return rule ? rule.answer(facts) : null;
  };
}
