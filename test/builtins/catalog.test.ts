// The built-in catalog: declarations (read by check/ and plan/) apart from
// implementations (handed to the opa-wasm SDK), so reading a signature does
// not load the libraries the implementations need.

import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { catalog } from '../../src/builtins/catalog.js'
import { families } from '../../src/builtins/families.js'
import { hostFunctions } from '../../src/builtins/host.js'
import * as native from '../../src/builtins/native.js'

const dist = fileURLToPath(new URL('../../dist/src/', import.meta.url))

/** Libraries only built-in implementations use. */
const HEAVY = ['graphql', 'ajv', 'ajv-formats', 're2js', 'yaml']

// A resolve hook (Node's module.register) that appends every resolved URL to
// a file. The hooks run on their own thread, but each resolution finishes
// before the import that asked for it continues, so the file is complete
// when the script ends.
const HOOKS = `
import { appendFileSync } from 'node:fs'
let out
export function initialize (data) { out = data.out }
export async function resolve (specifier, context, next) {
  const r = await next(specifier, context)
  appendFileSync(out, r.url + '\\n')
  return r
}`

/** The npm packages a fresh Node process loads while running `script` (an ES module body). */
function packagesLoadedBy(script: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'mg-catalog-'))
  try {
    const out = join(dir, 'resolved.txt')
    const main = `
import { register } from 'node:module'
register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(HOOKS))}, import.meta.url, { data: { out: ${JSON.stringify(out)} } })
${script}`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', main], { encoding: 'utf8', timeout: 60_000 })
    if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`)
    const urls = readFileSync(out, 'utf8').split('\n').filter(Boolean)
    const names = urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? [])
    return [...new Set(names)].sort()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const distUrl = (p: string): string => JSON.stringify(pathToFileURL(join(dist, p)).href)

t.test("reading signatures loads none of the implementations' libraries", async (t) => {
  const byCatalog = packagesLoadedBy(`
const { catalog, lookupBuiltin } = await import(${distUrl('builtins/catalog.js')})
if (catalog().size < 150 || !lookupBuiltin('graphql.parse_schema')?.args.length) throw new Error('empty catalog')`)
  t.same(
    byCatalog.filter((p) => HEAVY.includes(p)),
    [],
    'the catalog, read in full',
  )
  const byCheck = packagesLoadedBy(`await import(${distUrl('check/index.js')})`)
  t.same(
    byCheck.filter((p) => HEAVY.includes(p)),
    [],
    'the check stage',
  )
})

t.test('the host functions do load them (the probe sees what it looks for)', async (t) => {
  const byHost = packagesLoadedBy(`
const { hostFunctions } = await import(${distUrl('builtins/host.js')})
hostFunctions(false)`)
  t.same(
    byHost.filter((p) => HEAVY.includes(p)),
    [...HEAVY].sort(),
  )
})

t.test('every host declaration has an implementation and every implementation a declaration', async (t) => {
  const planner = new Set(native.plannerDecls.map((d) => d.name))
  const declared = [...catalog().values()]
    .filter((e) => !e.inModule && !planner.has(e.name))
    .map((e) => e.name)
    .sort()
  const implemented = new Set(families.flatMap((f) => Object.keys(f.impls)))
  t.same(
    declared.filter((n) => !implemented.has(n)),
    [],
    'declared, not implemented',
  )
  t.same(
    [...implemented].filter((n) => !catalog().has(n)),
    [],
    'implemented, not declared',
  )
  t.same(Object.keys(hostFunctions(false)).length, declared.length, 'one host function per host declaration')
})
