import { Eta } from "eta";

/**
 * The dashboard's pages as eta templates. They are kept in this module (not `.eta` files)
 * so the compiled app in `dist/` carries them without a copy step. `<%= %>` escapes for
 * HTML (text and attribute values alike); `<%~ %>` is only used for the rendered page
 * inside the layout. Every template gets `it.page` (the page model) and `it.view` (title,
 * the person signed in, the CSRF token, the notice to show).
 */
const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.view.title %> · hub-sales</title>
<link rel="stylesheet" href="<%= it.view.paths.stylesheet %>">
</head>
<body>
<header class="top">
  <nav>
    <strong>hub-sales</strong>
    <a href="<%= it.view.paths.pipeline %>"<%~ it.view.section === "pipeline" ? ' aria-current="page"' : "" %>>Pipeline</a>
    <a href="<%= it.view.paths.work %>"<%~ it.view.section === "work" ? ' aria-current="page"' : "" %>>Work</a>
    <a href="<%= it.view.paths.invoices %>"<%~ it.view.section === "invoices" ? ' aria-current="page"' : "" %>>Month end</a>
  </nav>
  <% if (it.view.login) { %>
  <form method="post" action="<%= it.view.paths.signOut %>" class="who">
    <input type="hidden" name="csrf" value="<%= it.view.csrf %>">
    Signed in as <strong>@<%= it.view.login %></strong> <button type="submit">Sign out</button>
  </form>
  <% } %>
</header>
<main>
<h1><%= it.view.title %></h1>
<% if (it.view.notice) { %><p class="notice" role="status"><%= it.view.notice %></p><% } %>
<%~ it.body %>
</main>
</body>
</html>
`;

const PIPELINE = `<% layout("@layout", it) %>
<form method="get" action="<%= it.view.paths.pipeline %>" class="filter">
  <fieldset>
    <legend>Status</legend>
    <% for (const status of it.view.statuses) { %>
    <label><input type="checkbox" name="status" value="<%= status %>"<%~ it.page.filter.statuses.includes(status) ? " checked" : "" %>> <%= status %></label>
    <% } %>
  </fieldset>
  <label>Name <input type="search" name="q" value="<%= it.page.filter.search %>" placeholder="search by name"></label>
  <button type="submit">Filter</button>
  <a href="<%= it.view.paths.pipeline %>">Clear</a>
</form>
<p class="summary"><%= it.page.shown %> of <%= it.page.total %> leads · <a href="<%= it.view.paths.work %>"><%= it.page.failing %> failing</a> of <%= it.page.queued.length %> queued</p>
<div class="board">
<% for (const column of it.page.columns) { %>
  <section class="column" aria-label="<%= column.status %>">
    <h2><%= column.status %> <span class="count"><%= column.count %></span></h2>
    <% for (const card of column.cards) { %>
    <article class="card<%= card.failing ? " failing" : "" %>" data-lead="<%= card.id %>">
      <h3><a href="<%= card.href %>"><%= card.name %></a></h3>
      <p class="meta"><%= card.tier ?? "no tier" %> · <%= card.daysInStatus === null ? "days in status not known yet" : card.daysInStatus === 1 ? "1 day in status" : card.daysInStatus + " days in status" %></p>
      <% if (card.failing) { %><p class="bad">work failing</p><% } %>
      <% if (card.refused > 0) { %><p class="bad"><%= card.refused %> refused by GitHub</p><% } %>
      <% if (card.missing.length > 0) { %>
      <ul class="missing"><% for (const m of card.missing) { %><li><%= m %></li><% } %></ul>
      <% } %>
      <% if (card.issues.length > 0) { %>
      <p class="links"><% for (const link of card.issues) { %><a href="<%= link.url %>"><%= link.label %></a> <% } %></p>
      <% } %>
    </article>
    <% } %>
    <% if (column.cards.length === 0) { %><p class="empty">none</p><% } %>
  </section>
<% } %>
</div>
`;

const LEAD = `<% layout("@layout", it) %>
<p class="meta"><%= it.page.status %> · <%= it.page.daysInStatus === null ? "days in status not known yet" : it.page.daysInStatus + " days in status" %>
<% for (const link of it.page.issues) { %> · <a href="<%= link.url %>"><%= link.label %></a><% } %></p>
<form method="post" action="<%= it.view.reconcilePath %>" class="inline">
  <input type="hidden" name="csrf" value="<%= it.view.csrf %>">
  <button type="submit">Reconcile now</button>
</form>
<div class="two">
<section>
  <h2>Record</h2>
  <table class="record">
  <% for (const field of it.page.fields) { %><tr><th scope="row"><%= field.label %></th><td><%= field.value %></td></tr><% } %>
  </table>
  <h2>MANIAC-T</h2>
  <ul class="checklist">
  <% for (const item of it.page.maniacT) { %>
    <li class="<%= item.note ? "done" : "todo" %>"><span aria-hidden="true"><%= item.note ? "☑" : "☐" %></span> <strong><%= item.label %></strong><% if (item.note) { %>: <%= item.note %><% } %></li>
  <% } %>
  </ul>
  <% if (it.page.hubs.length > 0) { %>
  <h2>Hubs</h2>
  <ul><% for (const hub of it.page.hubs) { %><li><%= hub.name %><% if (hub.url) { %> · <a href="<%= hub.url %>"><%= hub.url %></a><% } %><% if (hub.liveSince) { %> · live since <%= hub.liveSince %><% } %></li><% } %></ul>
  <% } %>
</section>
<section>
  <h2>Missing for the next step</h2>
  <% if (it.page.missing.length === 0) { %><p>Nothing.</p><% } else { %>
  <ul class="missing"><% for (const m of it.page.missing) { %><li><%= m %></li><% } %></ul>
  <% } %>
  <h2>Failed effects</h2>
  <% if (it.page.failedEffects.length === 0 && !(it.page.work && it.page.work.lastError)) { %><p>None.</p><% } %>
  <% if (it.page.work && it.page.work.lastError) { %>
  <p class="bad">The lead's work is failing: <%= it.page.work.attempts %> attempts, next try <%= it.page.work.notBefore %>.<br>Last error: <code><%= it.page.work.lastError %></code></p>
  <% } %>
  <% if (it.page.failedEffects.length > 0) { %>
  <table class="refused"><tr><th>Since</th><th>What</th><th>Why GitHub refused</th><th>How to fix</th></tr>
  <% for (const f of it.page.failedEffects) { %><tr><td><%= f.since.slice(0, 16).replace("T", " ") %></td><td><%= f.what %></td><td><%= f.why %></td><td><%= f.fix %></td></tr><% } %>
  </table>
  <% } %>
  <h2>Action log</h2>
  <% if (it.page.log.length === 0) { %><p>The app has not acted on this lead yet.</p><% } else { %>
  <table class="log"><tr><th>When</th><th>What</th><th>Trigger</th></tr>
  <% for (const entry of it.page.log) { %><tr class="<%= entry.kind %>"><td><time datetime="<%= entry.at %>"><%= entry.at.slice(0, 16).replace("T", " ") %></time></td><td><%= entry.what %></td><td><%= entry.trigger %></td></tr><% } %>
  </table>
  <% } %>
</section>
</div>
`;

const WORK_ROWS = `<table class="work">
<tr><th>Work</th><th>Reason</th><th>Attempts</th><th>Next try</th><th>Last error</th><th></th></tr>
<% for (const row of it.rows) { %>
<tr data-key="<%= row.key %>">
  <td><% if (row.lead) { %><a href="<%= row.lead.href %>"><%= row.lead.name %></a><% } else { %><%= row.key %><% } %></td>
  <td><%= row.reason %></td>
  <td><%= row.attempts %></td>
  <td><%= row.due ? "due now" : row.notBefore %></td>
  <td><% if (row.lastError) { %><code><%= row.lastError %></code><% } else { %>—<% } %></td>
  <td><form method="post" action="<%= it.retryPath %>"><input type="hidden" name="csrf" value="<%= it.csrf %>"><input type="hidden" name="key" value="<%= row.key %>"><button type="submit">Retry now</button></form></td>
</tr>
<% } %>
</table>
`;

const WORK = `<% layout("@layout", it) %>
<% if (it.page.refused.length > 0) { %>
<h2>Refused by GitHub <span class="count"><%= it.page.refused.length %></span></h2>
<p class="meta">Skipped until fixed (retrying cannot help); the rest of each lead's work goes on.</p>
<table class="refused"><tr><th>Lead</th><th>What</th><th>Why</th><th>How to fix</th><th>Since</th></tr>
<% for (const f of it.page.refused) { %><tr><td><% if (f.lead) { %><a href="<%= f.lead.href %>"><%= f.lead.name %></a><% } else { %><%= f.leadId %><% } %></td><td><%= f.what %></td><td><%= f.why %></td><td><%= f.fix %></td><td><%= f.since.slice(0, 16).replace("T", " ") %></td></tr><% } %>
</table>
<% } %>
<h2>Failing <span class="count"><%= it.page.failing.length %></span></h2>
<% if (it.page.failing.length === 0) { %><p>Nothing is failing.</p><% } else { %>
<%~ include("@work-rows", { rows: it.page.failing, retryPath: it.view.retryPath, csrf: it.view.csrf }) %>
<% } %>
<h2>Queued <span class="count"><%= it.page.queued.length %></span></h2>
<% if (it.page.queued.length === 0) { %><p>The queue is empty.</p><% } else { %>
<%~ include("@work-rows", { rows: it.page.queued, retryPath: it.view.retryPath, csrf: it.view.csrf }) %>
<% } %>
`;

const INVOICE = `<% layout("@layout", it) %>
<p class="months"><a href="<%= it.view.monthPath(it.page.previousMonth) %>">← <%= it.page.previousMonth %></a> · <a href="<%= it.view.monthPath(it.page.nextMonth) %>"><%= it.page.nextMonth %> →</a></p>
<div class="two">
<section class="totals">
  <p class="big">Total <strong data-total="<%= it.page.batch.total %>"><%= it.page.total %></strong></p>
  <p><%= it.page.communities.length %> communities, <%= it.page.readyCount %> ready to invoice.</p>
  <p><% if (it.page.sent) { %>The batch was <%= it.page.sent.status === "sent" ? "sent" : "being sent" %> on <%= it.page.sent.at %> to <%= it.page.sent.to.join(", ") %><%= it.page.sent.resends > 0 ? " (" + it.page.sent.resends + " resends)" : "" %>.<% } else { %>The batch has not been sent.<% } %></p>
  <p class="downloads">Download <a href="<%= it.page.downloads.csv %>" download>CSV</a> · <a href="<%= it.page.downloads.eml %>" download>email (.eml)</a></p>
</section>
<figure class="chart">
  <svg viewBox="0 0 <%= it.page.chart.width %> <%= it.page.chart.height %>" width="<%= it.page.chart.width %>" height="<%= it.page.chart.height %>" role="img" aria-labelledby="chart-title">
    <title id="chart-title">Monthly invoice totals, the last 12 months (highest <%= it.page.chart.max %>)</title>
    <line x1="0" y1="<%= it.page.chart.height - 28 %>" x2="<%= it.page.chart.width %>" y2="<%= it.page.chart.height - 28 %>" class="axis"/>
    <% for (const bar of it.page.chart.bars) { %>
    <a href="<%= bar.href %>">
      <rect x="<%= bar.x %>" y="<%= bar.y %>" width="<%= bar.width %>" height="<%= bar.height %>" class="<%= bar.current ? "bar current" : "bar" %>"><title><%= bar.month %>: <%= bar.label %></title></rect>
      <text x="<%= bar.x + bar.width / 2 %>" y="<%= it.page.chart.height - 10 %>" text-anchor="middle" class="tick"><%= bar.month.slice(2) %></text>
    </a>
    <% } %>
  </svg>
  <figcaption>Totals of the last 12 months; this month highlighted.</figcaption>
</figure>
</div>
<% if (it.page.otherAnomalies.length > 0) { %>
<section class="anomalies"><h2>Anomalies</h2><ul><% for (const a of it.page.otherAnomalies) { %><li><%= a %></li><% } %></ul></section>
<% } %>
<% for (const c of it.page.communities) { %>
<section class="community <%= c.ready ? "ready" : "blocked" %>" data-lead="<%= c.leadId %>">
  <h2><a href="<%= c.href %>"><%= c.name %></a> <span class="<%= c.ready ? "good" : "bad" %>"><%= c.ready ? "ready" : "blocked" %></span></h2>
  <% if (!c.ready) { %><p class="bad">Blocked by: <%= c.missing.join("; ") %></p><% } %>
  <table class="items">
    <tr><th>Item</th><th class="num">Amount (<%= it.page.currency %>)</th><th>Note</th></tr>
    <% for (const line of c.lineItems) { %><tr><td><%= line.item %></td><td class="num"><%= line.amount %></td><td><%= line.note ?? "" %></td></tr><% } %>
    <tr class="sum"><th scope="row">Total</th><td class="num"><%= c.total %></td><td></td></tr>
  </table>
  <% if (c.anomalies.length > 0) { %><ul class="anomalies"><% for (const a of c.anomalies) { %><li><%= a %></li><% } %></ul><% } %>
</section>
<% } %>
<% if (it.page.communities.length === 0) { %><p>No community was in service in <%= it.page.month %>.</p><% } %>
`;

const MESSAGE = `<% layout("@layout", it) %>
<% for (const line of it.page.lines) { %><p><%= line %></p><% } %>
<% if (it.page.signInPath) { %><p><a class="button" href="<%= it.page.signInPath %>">Sign in with GitHub</a></p><% } %>
`;

export type DashboardTemplate = "pipeline" | "lead" | "work" | "invoice" | "message";

export function createDashboardTemplates(): Eta {
  const eta = new Eta({ autoEscape: true, cache: true });
  eta.loadTemplate("@layout", LAYOUT);
  eta.loadTemplate("@pipeline", PIPELINE);
  eta.loadTemplate("@lead", LEAD);
  eta.loadTemplate("@work-rows", WORK_ROWS);
  eta.loadTemplate("@work", WORK);
  eta.loadTemplate("@invoice", INVOICE);
  eta.loadTemplate("@message", MESSAGE);
  return eta;
}
