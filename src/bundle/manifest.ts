// The bundle `.manifest`: revision, roots, wasm entrypoints, rego_version and
// metadata, as OPA's `bundle.Manifest` reads them. OPA fills in defaults
// (`roots: [""]`) when a field is missing; so do we.

import { MeshgateError } from '../errors/index.js'

export interface WasmResolver {
  /** Slash path of the rule, e.g. `global/access/allow`. */
  entrypoint: string
  /** Module file inside the bundle, e.g. `/policy.wasm`. */
  module: string
  annotations?: unknown[]
}

export interface Manifest {
  revision: string
  roots: string[]
  wasm?: WasmResolver[]
  rego_version?: number
  file_rego_versions?: Record<string, number>
  metadata?: Record<string, unknown>
}

export function parseManifest(text: string, file = '.manifest'): Manifest {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new MeshgateError('bundle_format_error', `\`${file}\` is not valid JSON: ${(e as Error).message}`)
  }
  return normalizeManifest(raw, file)
}

/** Checks field types and fills OPA's defaults. */
export function normalizeManifest(raw: unknown, file = '.manifest'): Manifest {
  const bad = (what: string) => new MeshgateError('bundle_format_error', `\`${file}\`: ${what}`)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('must be a JSON object')
  const m = raw as Record<string, unknown>
  if (m.revision !== undefined && typeof m.revision !== 'string') throw bad('`revision` must be a string')
  if (m.roots !== undefined && (!Array.isArray(m.roots) || m.roots.some((r) => typeof r !== 'string'))) {
    throw bad('`roots` must be an array of strings')
  }
  const out: Manifest = {
    revision: (m.revision as string | undefined) ?? '',
    roots: ((m.roots as string[] | undefined) ?? ['']).map(normalizeRoot),
  }
  if (m.wasm !== undefined) {
    if (!Array.isArray(m.wasm)) throw bad('`wasm` must be an array')
    out.wasm = m.wasm.map((w, i) => {
      if (typeof w !== 'object' || w === null || typeof w.entrypoint !== 'string' || typeof w.module !== 'string') {
        throw bad(`\`wasm[${i}]\` needs string \`entrypoint\` and \`module\``)
      }
      const r: WasmResolver = { entrypoint: trimSlashes(w.entrypoint), module: w.module }
      if (Array.isArray(w.annotations)) r.annotations = w.annotations
      return r
    })
  }
  if (m.rego_version !== undefined) {
    if (m.rego_version !== 0 && m.rego_version !== 1) throw bad('`rego_version` must be 0 or 1')
    out.rego_version = m.rego_version
  }
  if (m.file_rego_versions !== undefined) out.file_rego_versions = m.file_rego_versions as Record<string, number>
  if (m.metadata !== undefined) {
    if (typeof m.metadata !== 'object' || m.metadata === null || Array.isArray(m.metadata)) throw bad('`metadata` must be an object')
    out.metadata = m.metadata as Record<string, unknown>
  }
  return out
}

/** Stable JSON text for a manifest, keys in OPA's field order. */
export function serializeManifest(m: Manifest): string {
  const out: Record<string, unknown> = { revision: m.revision, roots: m.roots }
  if (m.wasm) out.wasm = m.wasm
  if (m.rego_version !== undefined) out.rego_version = m.rego_version
  if (m.file_rego_versions) out.file_rego_versions = m.file_rego_versions
  if (m.metadata) out.metadata = m.metadata
  return JSON.stringify(out)
}

function normalizeRoot(r: string): string {
  return trimSlashes(r)
}

export function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '')
}
