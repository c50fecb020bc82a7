// `node dist/scripts/builtin-placement.js [--json] [--list]`: where each
// catalogued built-in runs — inside the module (the runtime's mg_* functions,
// wasm/natives.ts), in the planner (print, trace, rego.metadata.*, …) or on
// the host (an `opa_builtin` import the SDK must provide). The count is the
// measure issue 12 tracks; test/wasm/placement.test.ts pins it.

import { catalog } from '../src/builtins/catalog.js'
import { NATIVES } from '../src/wasm/natives.js'

export type Placement = 'module' | 'planner' | 'host'

/** The built-ins the planner answers itself (builtins/native.ts plannerDecls). */
const PLANNER = new Set(['print', 'trace', 'rego.metadata.rule', 'rego.metadata.chain', 'opa.runtime', 'assign', 'eq', 'http.send'])

export function placements(): Map<string, Placement> {
  const out = new Map<string, Placement>()
  for (const e of [...catalog().values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    out.set(e.name, e.inModule && NATIVES.has(e.name) ? 'module' : PLANNER.has(e.name) ? 'planner' : 'host')
  }
  return out
}

export function counts(p = placements()): Record<Placement, number> {
  const c: Record<Placement, number> = { module: 0, planner: 0, host: 0 }
  for (const v of p.values()) c[v]++
  return c
}

const invoked = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
if (invoked) {
  const p = placements()
  const c = counts(p)
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ counts: c, builtins: Object.fromEntries(p) }, null, 2))
  } else {
    console.log(`in module: ${c.module}  planner: ${c.planner}  host: ${c.host}  (catalog: ${p.size})`)
    if (process.argv.includes('--list')) {
      for (const kind of ['module', 'host'] as const) {
        console.log(`\n${kind}:`)
        console.log(
          [...p]
            .filter(([, v]) => v === kind)
            .map(([k]) => k)
            .join(' '),
        )
      }
    }
  }
}
