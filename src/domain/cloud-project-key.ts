/**
 * The key under which cloud projects and hub names are compared: people write
 * `Example-University`, `example_university` and `example university` for one project,
 * so case is ignored and runs of `-`, `_` and spaces count as one separator.
 */
export function cloudProjectKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]+/g, "-");
}
