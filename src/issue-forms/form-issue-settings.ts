import type { ResolvedForm } from "./issue-form-source.js";

interface IssueSettings {
  /** Title template; `{name}` is the lead's name. */
  title: string;
  labels: string[];
}

/**
 * Title and labels of an issue opened from a hub-repo form: the configured ones, unless the
 * config leaves them at their defaults and the form (read from the hub repo) names its own,
 * as GitHub would put them on an issue opened from that form.
 */
export function formIssueSettings(input: { configured: IssueSettings; defaults: { title: string; labels: readonly string[] }; resolved: ResolvedForm }): IssueSettings {
  const { configured, defaults, resolved } = input;
  if (resolved.ref === null) return configured;
  const titleIsDefault = configured.title === defaults.title;
  const labelsAreDefault = configured.labels.length === defaults.labels.length && configured.labels.every((l, i) => l === defaults.labels[i]);
  const formTitle = resolved.form.title?.trim();
  return {
    title: titleIsDefault && formTitle ? titleTemplateOf(formTitle) : configured.title,
    labels: labelsAreDefault && resolved.form.labels.length > 0 ? [...resolved.form.labels] : configured.labels,
  };
}

/** `New Hub: {{ HUB NAME }}` or `New Hub: <Hub name>` → `New Hub: {name}`; without a placeholder the name is appended. */
export function titleTemplateOf(formTitle: string): string {
  const withName = formTitle.replace(/\{\{[^}]*\}\}|<[^<>]*>/g, "{name}");
  if (withName !== formTitle) return withName;
  return /[:\-–]$/.test(formTitle) ? `${formTitle} {name}` : `${formTitle}: {name}`;
}
