/**
 * GitHub renders an issue form into Markdown as `### <Label>` headings each followed by
 * the answer; `_No response_` marks an empty optional answer. These helpers read and
 * write that layout so issues the app opens look like ones people open from the form.
 */
export interface FormSection {
  label: string;
  value: string;
}

export const NO_RESPONSE = "_No response_";

export function renderFormSections(sections: readonly FormSection[]): string {
  return sections.map((s) => `### ${s.label}\n\n${s.value.trim() === "" ? NO_RESPONSE : s.value.trim()}`).join("\n\n");
}

/** Reads `### Label` sections; text before the first heading is ignored. Later duplicates win. */
export function parseFormSections(body: string): Map<string, string> {
  const sections = new Map<string, string>();
  let label: string | null = null;
  let lines: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (label !== null) sections.set(label, lines.join("\n").trim());
  };
  for (const line of body.replace(/\r\n/g, "\n").split("\n")) {
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1]!;
      else if (fenceMatch[1]!.startsWith(fence)) fence = null;
    }
    const heading = fence === null ? /^###\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (heading) {
      flush();
      label = heading[1]!;
      lines = [];
    } else if (label !== null) {
      lines.push(line);
    }
  }
  flush();
  return sections;
}

/** An answer that says nothing yet: empty, `_No response_`, `pending`, or only HTML comments. */
export function isUnanswered(value: string | undefined): boolean {
  if (value === undefined) return true;
  const text = value
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/^[-*]\s+\*\*[^*]+\*\*:\s*/gm, "")
    .trim();
  // Line by line: a templated answer (`- **Required start date**: pending` plus
  // `- **Any important dates for usage**: pending`) says nothing until one line does.
  return text
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line === NO_RESPONSE || /^(pending|tbd|n\/a|_?pending_?)$/i.test(line));
}
