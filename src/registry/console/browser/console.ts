// The console's page script, run in the browser (served as
// /console/assets/console.js; the Content-Security-Policy allows scripts
// from the registry only, so no page has inline script). It draws the
// overview's charts with uPlot (loaded before it as a classic script, the
// global `uPlot`) from the data the server put into the `data-series`
// attribute of #charts: the attribute is HTML-escaped like everything else
// and read back as text, then parsed as JSON, so no event text is ever
// evaluated. Labels reach the DOM through uPlot's `textContent`.

import type uPlotType from 'uplot'

interface ChartData {
  x: number[]
  bucket_seconds: number
  rate_per: 'minute' | 'hour'
  ports: { label: string; total: number[]; deny: number[] }[]
}

// Colour-blind-safe palette (Okabe–Ito), repeated past eight ports.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000']

function draw(): void {
  const host = document.getElementById('charts')
  const UPlot = (globalThis as unknown as { uPlot?: typeof uPlotType }).uPlot
  if (!host || !UPlot) return
  const data = JSON.parse(host.dataset.series ?? '{}') as ChartData
  if (!data.x?.length || !data.ports?.length) {
    host.append(Object.assign(document.createElement('p'), { className: 'muted', textContent: 'No decisions in this window.' }))
    return
  }
  const scale = (data.rate_per === 'hour' ? 3600 : 60) / data.bucket_seconds
  for (const el of host.querySelectorAll<HTMLElement>('.chart')) {
    const kind = el.dataset.kind
    const ys = data.ports.map((p) => (kind === 'deny' ? p.total.map((t, i) => (t ? (100 * p.deny[i]!) / t : null)) : p.total.map((t) => t * scale)))
    const opts: uPlotType.Options = {
      width: Math.max(320, Math.floor(el.getBoundingClientRect().width) || 560),
      height: 240,
      scales: { y: kind === 'deny' ? { range: [0, 100] } : { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { label: kind === 'deny' ? '% denied' : `per ${data.rate_per}`, size: 60 }],
      series: [{}, ...data.ports.map((p, i) => ({ label: p.label, stroke: COLOURS[i % COLOURS.length]!, width: 2, spanGaps: kind === 'deny' }))],
    }
    el.dataset.drawn = String(data.ports.length)
    new UPlot(opts, [data.x, ...ys] as uPlotType.AlignedData, el)
  }
  host.dataset.ready = 'true'
}

// A module script runs after the document is parsed and after earlier `defer` scripts (uPlot).
draw()
