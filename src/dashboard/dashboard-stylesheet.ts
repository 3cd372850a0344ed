/** The one stylesheet, served from the app (the content security policy allows no inline styles). */
export const DASHBOARD_STYLESHEET = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--good:#1a7f37;--bad:#cf222e;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg)}
a{color:var(--accent)}
header.top{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:var(--bg)}
header.top nav{display:flex;gap:1rem;align-items:center}
header.top nav a[aria-current]{font-weight:600;text-decoration:none;color:var(--fg)}
main{padding:0 1.2rem 2rem}
h1{font-size:1.5rem;margin:1rem 0 .5rem}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.notice{background:#ddf4ff;border:1px solid #54aeff;padding:.4rem .8rem;border-radius:6px}
.filter{display:flex;flex-wrap:wrap;gap:.8rem;align-items:end;margin:.5rem 0}
.filter fieldset{border:1px solid var(--line);border-radius:6px;padding:.2rem .6rem}
.filter fieldset label{margin-right:.6rem;white-space:nowrap}
.summary,.meta,.empty{color:var(--muted)}
.board{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.8rem;align-items:start}
.column{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:.3rem .6rem .6rem}
.column h2{font-size:1rem;display:flex;justify-content:space-between}
.count{background:#e6eaef;border-radius:1rem;padding:0 .5rem;font-size:.85rem;font-weight:500}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem;margin:.5rem 0}
.card.failing{border-left:4px solid var(--bad)}
.card h3{font-size:1rem;margin:.1rem 0}
.card .meta{margin:.1rem 0;font-size:.85rem}
.missing{margin:.3rem 0;padding-left:1.1rem;font-size:.85rem;color:#9a6700}
.links{margin:.2rem 0;font-size:.85rem;display:flex;flex-wrap:wrap;gap:.5rem}
.bad{color:var(--bad)}
.good{color:var(--good)}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1.5rem;align-items:start}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.record th{width:12rem;color:var(--muted);font-weight:500}
.checklist{list-style:none;padding:0}
.checklist .todo{color:var(--muted)}
.log tr.status td{background:#f6f8fa}
form.inline{margin:.5rem 0}
button,.button{font:inherit;padding:.3rem .8rem;border:1px solid var(--line);border-radius:6px;background:#f6f8fa;cursor:pointer;color:var(--fg);text-decoration:none;display:inline-block}
button:hover,.button:hover{background:#eef1f4}
code{font-size:.85rem;white-space:pre-wrap}
.big{font-size:1.3rem}
.chart svg{max-width:100%;height:auto}
.chart .bar{fill:#8cb4e8}
.chart .bar.current{fill:var(--accent)}
.chart .axis{stroke:var(--line)}
.chart .tick{font-size:11px;fill:var(--muted)}
.chart figcaption{color:var(--muted);font-size:.85rem}
.community{border:1px solid var(--line);border-radius:8px;padding:0 .8rem .6rem;margin:1rem 0}
.community.blocked{border-left:4px solid var(--bad)}
.community.ready{border-left:4px solid var(--good)}
.community .sum th,.community .sum td{font-weight:600}
.anomalies{color:#9a6700}
`;
