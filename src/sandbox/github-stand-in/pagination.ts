/**
 * GitHub's list pagination: `per_page` (default 30, at most 100) and `page` (from 1),
 * with a `Link` header naming the `first`/`prev`/`next`/`last` pages as absolute URLs.
 * `octokit.paginate` follows `rel="next"` until it is absent.
 */
export interface Page<T> {
  items: T[];
  link: string | null;
}

export function paginate<T>(all: T[], requestUrl: URL): Page<T> {
  const perPage = clampInt(requestUrl.searchParams.get("per_page"), 30, 1, 100);
  const page = clampInt(requestUrl.searchParams.get("page"), 1, 1, Number.MAX_SAFE_INTEGER);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);

  const pageUrl = (n: number): string => {
    const url = new URL(requestUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return url.toString();
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`<${pageUrl(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) parts.push(`<${pageUrl(page + 1)}>; rel="next"`);
  if (page < lastPage) parts.push(`<${pageUrl(lastPage)}>; rel="last"`);
  if (page > 1) parts.push(`<${pageUrl(1)}>; rel="first"`);
  return { items, link: parts.length > 0 ? parts.join(", ") : null };
}

/** GitHub ignores a malformed `per_page`/`page` and clamps `per_page` to 100 rather than failing. */
function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}
