// The worked example mesh for `policy serve --example` (cli stage, before the
// server): compiles policies/global and policies/domains/orders into OPA
// bundles, as a registry would ship them, and writes the sidecar config that
// serves them for the orders data product. The layer compile is the one
// `policy test` uses (cli/test/layer-bundle.ts): every package an entrypoint,
// roots from the folder's .manifest, `_test.rego` files and fixtures left out.

import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { saveBundle } from '../../bundle/index.js'
import { MeshgateError } from '../../errors/index.js'
import { compileLayerFolder } from '../test/layer-bundle.js'

/** One layer of the example: its source folder, roots, and the bundle it becomes. */
export interface ExampleLayer {
  /** The bundle's name in the config (`bundles.<name>`). */
  name: string
  /** Source folder under policies/. */
  dir: string
  root: string
}

export const EXAMPLE_DOMAIN = 'orders'

export const EXAMPLE_LAYERS: readonly ExampleLayer[] = [
  { name: 'global', dir: 'global', root: 'global' },
  { name: EXAMPLE_DOMAIN, dir: `domains/${EXAMPLE_DOMAIN}`, root: `domains/${EXAMPLE_DOMAIN}` },
]

export interface BuiltBundle {
  name: string
  file: string
  revision: string
}

/**
 * The folder holding meshgate's package.json: `policies/` and `bundles/` live
 * there whether the CLI runs from dist/ or from the sources.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meshgate') return dir
    const up = dirname(dir)
    if (up === dir) throw new MeshgateError('io_error', 'cannot find the meshgate package folder (its package.json) above the CLI')
    dir = up
  }
}

/**
 * Compiles each example layer and writes `<outDir>/<name>.tar.gz` atomically
 * (saveBundle: temp file, then rename), so a sidecar reading the folder never
 * sees half a bundle. The revision is a digest of what the bundle holds, so
 * an unchanged policy keeps its revision across restarts.
 */
export async function buildExampleBundles(policiesDir: string, outDir: string, sourcesRead?: Map<string, string>): Promise<BuiltBundle[]> {
  await mkdir(outDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new MeshgateError('io_error', `cannot create \`${outDir}\`: ${e.code ?? e.message}`)
  })
  const built: BuiltBundle[] = []
  for (const layer of EXAMPLE_LAYERS) {
    // Compiled afresh on every call: `--watch` rebuilds after each edit.
    const { bundle } = await compileLayerFolder(join(policiesDir, layer.dir), layer.root, 1, sourcesRead)
    const wasm = bundle.wasm.get('/policy.wasm')!
    const digest = createHash('sha256').update(wasm).update(JSON.stringify(bundle.data))
    for (const s of bundle.sources) digest.update(s.path).update(s.source)
    const revision = `${layer.name}-${digest.digest('hex').slice(0, 12)}`
    const file = join(outDir, `${layer.name}.tar.gz`)
    await saveBundle(file, {
      manifest: { ...bundle.manifest, revision },
      wasm,
      data: bundle.data,
      sources: bundle.sources,
      packages: (bundle.manifest.wasm ?? []).map((w) => w.entrypoint),
    })
    built.push({ name: layer.name, file, revision })
  }
  return built
}

/**
 * The sidecar config for the example, as YAML so it goes through the same
 * validation as a user's file (src/config). Paths are absolute; the JWKS file
 * holds the public half of the development key made for this run.
 */
export function exampleConfigYaml(o: {
  addr: string
  productDir: string
  bundles: BuiltBundle[]
  jwksFile: string
  issuer: string
  audience: string
  anonymizeKey: string
  /** Take the layers from this registry (long polling, signatures checked) instead of the files. */
  registry?: { url: string; keys: { id: string; root: string; publicPem: string }[]; persistenceDir: string; uploadToken: string }
}): string {
  const q = (s: string) => JSON.stringify(s)
  const bundles = o.registry
    ? o.bundles.flatMap((b) => [
        `  ${b.name}:`,
        '    service: registry',
        `    resource: bundles/${b.name}`,
        `    signing: { keyid: ${b.name} }`,
        '    persist: true',
        '    polling: { min_delay_seconds: 1, max_delay_seconds: 5, long_polling_timeout_seconds: 30 }',
      ])
    : o.bundles.flatMap((b) => [`  ${b.name}:`, `    resource: ${q(b.file)}`])
  return [
    'server:',
    `  addr: ${q(o.addr)}`,
    'product:',
    `  domain: ${EXAMPLE_DOMAIN}`,
    `  dir: ${q(o.productDir)}`,
    ...(o.registry
      ? [
          'services:',
          `  registry: { url: ${q(o.registry.url)}, credentials: { bearer: { token: ${q(o.registry.uploadToken)} } } }`,
          'keys:',
          ...o.registry.keys.map((k) => `  ${k.id}: { algorithm: ES256, key: ${q(k.publicPem)}, roots: [${q(k.root)}] }`),
          `persistence_directory: ${q(o.registry.persistenceDir)}`,
          'status: { service: registry }',
          // Every decision, masked by policies/global/log.rego, spooled and uploaded to the registry.
          'decision_logs:',
          '  service: registry',
          '  reporting: { min_delay_seconds: 1, max_delay_seconds: 2 }',
        ]
      : []),
    'bundles:',
    ...bundles,
    'auth:',
    `  issuer: ${q(o.issuer)}`,
    `  audience: ${q(o.audience)}`,
    '  algorithms: [RS256]',
    `  jwks_file: ${q(o.jwksFile)}`,
    'anonymize:',
    `  key: ${q(o.anonymizeKey)}`,
    '',
  ].join('\n')
}
