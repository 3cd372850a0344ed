import anyAscii from "any-ascii";
import type { Lead } from "../domain/records.js";

/** `Data Science Lab @ Uni` → `data-science-lab-uni`; empty when the name has no Latin letters or digits. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The Active Hubs name for a lead's hub when nobody gave one (SPEC §4.4): the slug of its
 * name, else the slug of its transliteration (`東京大学` → `dongjingdaxue`), else
 * `hub-<lead id>` (`!!!`). Never empty, so closing the deployment issue can always
 * record the hub. Made unique among `takenNames` (other communities' hubs) with `-<lead id>`.
 */
export function hubNameForLead(lead: Pick<Lead, "id" | "name">, takenNames: readonly string[] = []): string {
  const base = slugify(lead.name) || slugify(anyAscii(lead.name)) || `hub-${slugify(lead.id) || "lead"}`;
  const taken = new Set(takenNames.map((n) => n.toLowerCase()));
  if (!taken.has(base)) return base;
  const withId = `${base}-${slugify(lead.id)}`;
  if (!taken.has(withId)) return withId;
  for (let n = 2; ; n++) if (!taken.has(`${withId}-${n}`)) return `${withId}-${n}`;
}
