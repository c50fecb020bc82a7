// The console's stylesheet, served as /console/assets/console.css (a file,
// not a <style> element: the Content-Security-Policy allows styles from
// 'self' only). Kept as a string in a module so that it ships in dist/ with
// the code that serves it.

export const CONSOLE_CSS = `
:root { --fg: #1d232b; --muted: #6a7380; --line: #dde2e8; --bg: #f6f8fa; --accent: #2458b3;
  --deny: #b3261e; --ok: #1e7b34; --warn: #9a6700; font-family: system-ui, sans-serif; color: var(--fg); }
body { margin: 0; background: var(--bg); }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #1d232b; color: #fff; }
header.top a { color: #cfe0ff; margin-right: .8rem; text-decoration: none; }
header.top a[aria-current] { color: #fff; font-weight: 600; text-decoration: underline; }
header.top .brand { font-weight: 600; }
header.top form.logout { margin-left: auto; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin: .2rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.stale, tr.failing, tr.alert { background: #fff4e5; }
tr.failing { background: #fdecea; }
.muted { color: var(--muted); }
.error { color: var(--deny); font-weight: 600; }
.notice { color: var(--ok); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 9px; font-size: .8rem; border: 1px solid currentColor; }
.badge.ok, .outcome-allow, .outcome-answer { color: var(--ok); }
.badge.stale, .badge.behind { color: var(--warn); }
.badge.failing, .outcome-deny, .outcome-error { color: var(--deny); }
ul.bundles { margin: 0; padding-left: 1rem; }
li.behind .rev { color: var(--warn); }
.totals { display: flex; flex-wrap: wrap; gap: 2rem; }
.totals .n { display: block; font-size: 1.6rem; font-weight: 600; }
.totals .k { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.charts figure { margin: 0; flex: 1 1 560px; min-width: 0; }
.charts .chart { width: 100%; }
table.decisions td:first-child, td.outcome, td.port { white-space: nowrap; }
.charts figcaption { font-weight: 600; margin-bottom: .3rem; }
form.search { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-bottom: 1rem; }
form.search label { display: flex; flex-direction: column; font-size: .85rem; }
section.login { max-width: 40rem; }
section.login textarea { width: 100%; font-family: ui-monospace, monospace; }
pre { background: var(--bg); padding: .8rem; border: 1px solid var(--line); overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); }
`
