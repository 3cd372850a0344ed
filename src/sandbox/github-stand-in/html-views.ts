import { describeBoard } from "./projects-graphql.js";
import type { Comment, Issue, StandInState } from "./stand-in-state.js";

/**
 * Minimal browsable pages behind the `html_url`s the API hands out, so a person running
 * the demo can click from the timeline to an issue and read it with its comments.
 * Bodies are shown as text (HTML comments hidden, as GitHub hides them), not rendered
 * Markdown: the point is to see what the app wrote.
 */
export function renderHtmlPage(state: StandInState, path: string): { status: number; html: string } | null {
  const segments = path.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
  if (segments.length === 0) return { status: 200, html: indexPage(state) };
  if (segments[0] === "orgs" && segments[2] === "projects" && segments.length === 4) {
    const project = state.project(segments[1]!, Number(segments[3]));
    return project ? { status: 200, html: boardPage(state, project.org, project.number) } : null;
  }
  const [owner, name, section, number] = segments;
  const repo = owner && name ? state.repo(owner, name) : undefined;
  if (!repo) return null;
  if (segments.length === 2 || (segments.length === 3 && section === "issues")) {
    const issues = [...repo.issues.values()].sort((a, b) => b.number - a.number);
    const rows = issues
      .map((i) => `<li>${stateBadge(i)} <a href="/${esc(repo.owner)}/${esc(repo.name)}/issues/${i.number}">#${i.number} ${esc(i.title)}</a> ${labelsHtml(i)}</li>`)
      .join("\n");
    return { status: 200, html: layout(`${repo.owner}/${repo.name}`, `<p>${repo.private ? "private" : "public"} repository</p><ul>${rows || "<li>No issues yet.</li>"}</ul>`) };
  }
  if (section === "issues" && number && /^\d+$/.test(number) && segments.length === 4) {
    const issue = repo.issues.get(Number(number));
    return issue ? { status: 200, html: issuePage(state, issue) } : null;
  }
  return null;
}

function indexPage(state: StandInState): string {
  const repos = [...state.repos.values()]
    .map((r) => `<li><a href="/${esc(r.owner)}/${esc(r.name)}">${esc(r.owner)}/${esc(r.name)}</a> (${r.private ? "private" : "public"}, ${r.issues.size} issues)</li>`)
    .join("\n");
  const boards = state.projects
    .map((p) => `<li><a href="/orgs/${esc(p.org)}/projects/${p.number}">${esc(p.org)} project #${p.number}: ${esc(p.title)}</a></li>`)
    .join("\n");
  return layout("GitHub stand-in", `<h2>Repositories</h2><ul>${repos}</ul><h2>Projects</h2><ul>${boards || "<li>none</li>"}</ul>`);
}

function issuePage(state: StandInState, issue: Issue): string {
  const repo = issue.repo;
  const comments = issue.commentIds
    .map((id) => state.commentsById.get(id))
    .filter((c): c is Comment => !!c)
    .map(
      (c) => `<div class="comment" id="issuecomment-${c.id}"><div class="meta"><b>${esc(c.author)}</b> commented ${esc(c.createdAt)}${c.updatedAt !== c.createdAt ? " (edited)" : ""}</div><div class="body">${bodyHtml(c.body)}</div></div>`,
    )
    .join("\n");
  const parent = issue.parentId ? state.issuesById.get(issue.parentId) : undefined;
  const children = issue.subIssueIds.map((id) => state.issuesById.get(id)).filter((i): i is Issue => !!i);
  const links = [
    parent ? `<p>Parent: ${issueLink(parent)}</p>` : "",
    children.length > 0 ? `<p>Sub-issues:</p><ul>${children.map((c) => `<li>${stateBadge(c)} ${issueLink(c)}</li>`).join("")}</ul>` : "",
  ].join("");
  return layout(
    `${issue.title} · #${issue.number}`,
    `<p><a href="/${esc(repo.owner)}/${esc(repo.name)}/issues">${esc(repo.owner)}/${esc(repo.name)}</a></p>
<p>${stateBadge(issue)} opened by <b>${esc(issue.author)}</b> ${esc(issue.createdAt)} ${labelsHtml(issue)}</p>
${links}
<div class="comment"><div class="body">${bodyHtml(issue.body ?? "")}</div></div>
<h3>${issue.commentIds.length} comment(s)</h3>
${comments}`,
  );
}

function boardPage(state: StandInState, org: string, number: number): string {
  const project = state.project(org, number)!;
  const columns = new Map<string, string[]>();
  for (const option of project.statusField?.options ?? []) columns.set(option.name, []);
  columns.set("No status", []);
  for (const item of describeBoard(state, project)) {
    const cell = item.issue
      ? `<a href="${esc(item.issue.htmlPath)}">${esc(item.issue.owner)}/${esc(item.issue.repo)}#${item.issue.number} ${esc(item.issue.title)}</a>`
      : esc(item.contentNodeId);
    columns.get(item.status ?? "No status")?.push(cell);
  }
  const html = [...columns]
    .map(([name, cells]) => `<div class="column"><h3>${esc(name)} (${cells.length})</h3><ul>${cells.map((c) => `<li>${c}</li>`).join("")}</ul></div>`)
    .join("");
  return layout(`${project.title} · ${org} project #${number}`, `<div class="board">${html}</div>`);
}

function issueLink(issue: Issue): string {
  return `<a href="/${esc(issue.repo.owner)}/${esc(issue.repo.name)}/issues/${issue.number}">${esc(issue.repo.owner)}/${esc(issue.repo.name)}#${issue.number} ${esc(issue.title)}</a>`;
}

function stateBadge(issue: Issue): string {
  const text = issue.state === "open" ? "Open" : `Closed${issue.stateReason ? ` (${issue.stateReason.replace("_", " ")})` : ""}`;
  return `<span class="state ${issue.state}">${text}</span>`;
}

function labelsHtml(issue: Issue): string {
  return issue.labels
    .map((name) => {
      const color = issue.repo.labels.get(name.toLowerCase())?.color ?? "cccccc";
      return `<span class="label" style="border-color:#${esc(color)}">${esc(name)}</span>`;
    })
    .join(" ");
}

function bodyHtml(body: string): string {
  return esc(body.replace(/<!--[\s\S]*?-->/g, "").trim());
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function layout(title: string, main: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
.comment{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0}
.comment .meta{background:#f6f8fa;padding:.4rem .8rem;border-bottom:1px solid #d0d7de}
.body{white-space:pre-wrap;padding:.8rem;font-family:ui-monospace,monospace;font-size:.9rem}
.state{border-radius:1rem;padding:.1rem .6rem;color:#fff}.state.open{background:#1a7f37}.state.closed{background:#8250df}
.label{border:2px solid;border-radius:1rem;padding:0 .5rem;font-size:.85rem}
.board{display:flex;gap:1rem}.column{flex:1;border:1px solid #d0d7de;border-radius:6px;padding:0 .5rem}
</style></head>
<body><p><a href="/">GitHub stand-in</a></p><h1>${esc(title)}</h1>
${main}
</body></html>`;
}
