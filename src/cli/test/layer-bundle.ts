// The bundles decision fixtures run against (cli stage, before the engine):
// a layer given as a source folder is compiled on the fly (every package an
// entrypoint, `_test.rego` files left out, as a bundle would ship); a
// `.tar.gz` is read as an OPA bundle; an http(s) URL is fetched from a
// bundle registry and read the same way. A run makes one loader: it compiles
// each folder once, so every domain's fixtures share one compile of the
// global layer, and it keeps the sources it read for error carets. Nothing
// outlives the loader (no module-level cache).

import { readFile } from 'node:fs/promises'
import { readBundle, normalizeManifest, type Bundle } from '../../bundle/index.js'
import { MeshgateError } from '../../errors/index.js'
import { loadSourceTree } from '../source-tree.js'
import { decisionRuleEntrypoints, parseAll } from '../entrypoints.js'

export interface LayerBundle {
  bundle: Bundle
  /** What the user named, for messages. */
  from: string
  /** Module sources when compiled from a folder (for error carets). */
  sources?: Map<string, string>
}

export interface LayerLoader {
  /** The layer named by `spec`, loaded once per loader (same spec, root and version: same promise). */
  load(spec: string, root: string, regoVersion: 0 | 1): Promise<LayerBundle>
  /** Every layer source this loader read (also when its compile failed), so an error can show its line. */
  readonly sources: ReadonlyMap<string, string>
}

export function createLayerLoader(): LayerLoader {
  const loaded = new Map<string, Promise<LayerBundle>>()
  const sources = new Map<string, string>()
  return {
    sources,
    load(spec, root, regoVersion) {
      const key = `${spec}\0${root}\0${regoVersion}`
      let p = loaded.get(key)
      if (!p) loaded.set(key, (p = load(spec, root, regoVersion, sources)))
      return p
    },
  }
}

async function load(spec: string, root: string, regoVersion: 0 | 1, sourcesRead: Map<string, string>): Promise<LayerBundle> {
  if (/^https?:\/\//i.test(spec)) return { bundle: readBundle(await fetchBundle(spec), spec), from: spec }
  if (/\.(tar\.gz|tgz)$/i.test(spec)) {
    let bytes: Uint8Array
    try {
      bytes = await readFile(spec)
    } catch (e) {
      throw new MeshgateError('io_error', `cannot read \`${spec}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    return { bundle: readBundle(bytes, spec), from: spec }
  }
  return compileFolder(spec, root, regoVersion, sourcesRead)
}

async function fetchBundle(url: string): Promise<Uint8Array> {
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) })
  } catch (e) {
    throw new MeshgateError('io_error', `cannot fetch the bundle at \`${url}\`: ${(e as Error).message}`)
  }
  if (!res.ok) throw new MeshgateError('io_error', `fetching the bundle at \`${url}\` answered HTTP ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

/**
 * Compiles a layer folder now (no cache): for rebuilds after an edit. The
 * sources it reads are also put in `sourcesRead` before compiling, so a
 * caller can show the line of a compile error.
 */
export async function compileLayerFolder(dir: string, root: string, regoVersion: 0 | 1, sourcesRead?: Map<string, string>): Promise<LayerBundle> {
  return compileFolder(dir, root, regoVersion, sourcesRead)
}

async function compileFolder(dir: string, root: string, regoVersion: 0 | 1, sourcesRead?: Map<string, string>): Promise<LayerBundle> {
  const tree = await loadSourceTree([dir])
  const modules = tree.modules.filter((m) => !m.path.endsWith('_test.rego'))
  const sources = new Map(modules.map((m) => [m.path, m.source]))
  if (sourcesRead) for (const [p, text] of sources) sourcesRead.set(p, text)
  if (modules.length === 0) throw new MeshgateError('cli_usage_error', `no policies (.rego files other than tests) under \`${dir}\``)
  const parsed = parseAll(modules, regoVersion)
  const packages = [...new Set(parsed.map((m) => m.package.join('/')))]
  const roots = tree.manifest?.roots ?? [root]
  // As `policy build` writes them: every package, plus each decision rule's
  // own entrypoint (the engine's fast path), so fixtures and `serve
  // --example` run the path the sidecar runs for a built bundle.
  const entrypoints = [...new Set([...packages, ...decisionRuleEntrypoints(parsed, roots)])]
  const { compile } = await import('../../compiler.js')
  // Strict, as `policy build` and the sidecar are: a fixture sees the same fail-closed answer.
  const result = await compile({ modules: modules.map((m) => ({ path: m.path, source: m.source })), entrypoints, regoVersion, strictBuiltinErrors: true })
  const manifest = normalizeManifest({
    revision: `source:${dir}`,
    roots,
    wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
    rego_version: regoVersion,
  })
  const bundle: Bundle = {
    manifest,
    hasManifest: true,
    data: tree.data,
    wasm: new Map([['/policy.wasm', result.wasm]]),
    sources: modules.map((m) => ({ path: m.bundlePath, source: m.source })),
    other: new Map(),
  }
  return { bundle, from: dir, sources }
}
