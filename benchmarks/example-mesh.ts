// The worked example mesh of `policies/` (global layer + the orders domain),
// built the way `policy build` builds it (every non-test package an
// entrypoint, plus one per decision rule; an OPA-format bundle per layer) and loaded into an Engine: the
// realistic setting for the sidecar benchmarks.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { compile } from '../src/compiler.js'
import { writeBundle } from '../src/bundle/index.js'
import { decisionRuleEntrypoints, parseAll } from '../src/cli/entrypoints.js'
import { Engine, domainLayer, globalLayer } from '../src/engine/index.js'
import { loadMeshDir, type MeshModel } from '../src/product/index.js'

export const PORT = 'orders-v1'

/** A typical request: an analyst with internal clearance reading for reporting. */
export const SUBJECT = { id: 'ana', roles: ['orders-reader'], clearance: 'internal', domain: 'finance', region: 'eu' }
export const REQUEST = { port: PORT, purpose: 'reporting', fields: ['order_id', 'order_date', 'status', 'total_amount', 'currency'] }
export const INPUT = { ...REQUEST, subject: SUBJECT }

async function layerBundle(repoRoot: string, dir: string, root: string, revision: string): Promise<Buffer> {
  const abs = join(repoRoot, 'policies', dir)
  const files = readdirSync(abs)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .sort()
  const modules = files.map((f) => ({ path: join('policies', dir, f), source: readFileSync(join(abs, f), 'utf8') }))
  const packages = [...new Set(modules.map((m) => /^package\s+([\w.]+)/m.exec(m.source)![1]!))]
  const entrypoints = [...packages.map((p) => p.replace(/\./g, '/')), ...decisionRuleEntrypoints(parseAll(modules, 1), [root])]
  const { wasm } = await compile({ modules, entrypoints })
  return writeBundle({
    manifest: { revision, roots: [root], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })), rego_version: 1 },
    wasm,
    data: {},
    sources: modules,
  })
}

export interface ExampleMesh {
  engine: Engine
  mesh: MeshModel
}

/** The guarded product's folder (ODPS, ODCS, consumers): `product.dir` in a sidecar config. */
export function productDir(repoRoot: string): string {
  return join(repoRoot, 'policies', 'domains', 'orders')
}

/** The two layer bundles (gzipped OPA bundles), as `policy build` would write them. */
export async function exampleBundles(repoRoot: string): Promise<{ global: Buffer; orders: Buffer }> {
  return {
    global: await layerBundle(repoRoot, 'global', 'global', 'bench-global'),
    orders: await layerBundle(repoRoot, 'domains/orders', 'domains/orders', 'bench-orders'),
  }
}

export async function exampleEngine(repoRoot: string, cacheSize: number): Promise<ExampleMesh> {
  const mesh = await loadMeshDir(productDir(repoRoot))
  const engine = new Engine({ layers: [globalLayer(), domainLayer('orders')], mesh: mesh.data as unknown as Record<string, unknown>, cacheSize })
  const bundles = await exampleBundles(repoRoot)
  await engine.activate('global', bundles.global)
  await engine.activate('domains/orders', bundles.orders)
  return { engine, mesh }
}
