/**
 * Labels that name the same form field, from the config (`label_aliases`): a form renamed
 * `Important dates` to `Hub important dates`, and issues opened before still say the old
 * one. Each entry makes its key and its values one group; matching ignores case and spacing.
 */
export type LabelAliases = Readonly<Record<string, readonly string[]>>;

const normal = (label: string) => label.trim().replace(/\s+/g, " ").toLowerCase();

/** Every label (normalised) that counts as `label`, itself included. */
export function labelGroup(label: string, aliases: LabelAliases = {}): Set<string> {
  const group = new Set([normal(label)]);
  for (const [key, others] of Object.entries(aliases)) {
    const members = [key, ...others].map(normal);
    if (members.some((m) => group.has(m))) for (const m of members) group.add(m);
  }
  return group;
}

/** The answer under `label` or one of its aliases; the form's own label wins. */
export function findSection(sections: ReadonlyMap<string, string>, label: string, aliases: LabelAliases = {}): string | undefined {
  if (sections.has(label)) return sections.get(label);
  const group = labelGroup(label, aliases);
  for (const [heading, value] of sections) if (group.has(normal(heading))) return value;
  return undefined;
}
