// Compatibility of a proposed schema under a port's mode, the consumers each
// change touches, the version bump it needs, and the final answer once the
// policies' violations are in.
//
// Modes follow Confluent Schema Registry: backward (every change backward
// compatible against the current version), forward, full (both), none (no
// check), and the `_transitive` variants, which check against every previous
// version too (pass their diffs as `previous`).

import { MeshgateError } from '../../errors/index.js'
import { COMPATIBILITY_MODES, type CompatibilityMode } from '../mesh/types.js'
import type { SchemaChange } from './diff.js'

export type { CompatibilityMode }

/** The modes a port may declare (one list, the descriptors' own). */
export const MODES: readonly CompatibilityMode[] = COMPATIBILITY_MODES

export type VersionBump = 'major' | 'minor' | 'patch' | 'none'

/** A consumer as declared in the consumers file (`data.mesh.ports[p].consumers` values fit). */
export interface ConsumerUse {
  id: string
  fields: readonly string[]
}

export interface AnnotatedChange extends SchemaChange {
  /** Breaks the port's mode (always false under `none`). */
  breaking: boolean
  /** Ids of the consumers that use this field (or a part or parent of it). */
  consumers: string[]
  /** `current`, or the label of the previous version the change is against. */
  against: string
}

/** What the compatibility packages get as `input` (the engine adds subject, port, request). */
export interface CompatibilityInput {
  mode: CompatibilityMode
  changes: AnnotatedChange[]
  consumers: { id: string; fields: string[]; purpose?: string | null }[]
  bump: VersionBump
}

export interface BaselineVerdict {
  compatible: boolean
  mode: CompatibilityMode
  bump: VersionBump
  breaking: AnnotatedChange[]
  affected_consumers: string[]
}

export interface EvaluateArgs {
  changes: SchemaChange[]
  mode: CompatibilityMode
  consumers?: Record<string, ConsumerUse & { purpose?: string | null }> | readonly (ConsumerUse & { purpose?: string | null })[]
  /** For `_transitive` modes: the proposed schema diffed against each older version. */
  previous?: { version?: string; changes: SchemaChange[] }[]
}

/** Consumers whose fields include `field`, a parent of it, or a part of it; `` touches all. */
export function consumersUsing(field: string, consumers: readonly ConsumerUse[]): string[] {
  const base = field.replace(/\[\]/g, '').replace(/\.\*$/, '')
  const hit = consumers.filter((c) => base === '' || c.fields.some((f) => f === base || f.startsWith(`${base}.`) || base.startsWith(`${f}.`)))
  return hit.map((c) => c.id).sort()
}

function breaks(c: SchemaChange, mode: CompatibilityMode): boolean {
  if (mode === 'none') return false
  const m = mode.replace('_transitive', '')
  if (m === 'backward') return !c.backward
  if (m === 'forward') return !c.forward
  return !c.backward || !c.forward
}

/** Annotates the changes, computes the baseline verdict, and builds the policies' input. */
export function evaluateCompatibility(args: EvaluateArgs): { input: CompatibilityInput; verdict: BaselineVerdict } {
  const mode = args.mode
  if (!MODES.includes(mode)) {
    throw new MeshgateError('schema_input_error', `unknown compatibility mode \`${String(mode)}\``, undefined, { allowed: MODES })
  }
  const list = Array.isArray(args.consumers) ? [...args.consumers] : Object.values(args.consumers ?? {})
  const consumers = list
    .map((c) => ({ id: c.id, fields: [...c.fields], ...(c.purpose !== undefined ? { purpose: c.purpose } : {}) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const annotate = (c: SchemaChange, against: string): AnnotatedChange => ({
    ...c,
    breaking: breaks(c, mode),
    consumers: consumersUsing(c.field, consumers),
    against,
  })

  const changes = args.changes.map((c) => annotate(c, 'current'))
  const breaking = changes.filter((c) => c.breaking)
  if (mode.endsWith('_transitive')) {
    ;(args.previous ?? []).forEach((p, i) => {
      for (const c of p.changes) {
        const a = annotate(c, p.version ?? `previous[${i}]`)
        if (a.breaking) breaking.push(a)
      }
    })
  }
  const bump = versionBump(args.changes, mode)
  const affected = [...new Set(breaking.flatMap((c) => c.consumers))].sort()
  return {
    input: { mode, changes, consumers, bump },
    verdict: { compatible: breaking.length === 0, mode, bump, breaking, affected_consumers: affected },
  }
}

/** Changes that only annotate the schema: a patch. */
const ANNOTATIONS = new Set(['default_changed', 'classification_changed'])

/**
 * major: a change breaks the port's mode (under `none`, the bump still follows
 * backward compatibility, the registry's default); minor: the set of valid
 * records changed compatibly; patch: annotations only; none: no change.
 */
export function versionBump(changes: readonly SchemaChange[], mode: CompatibilityMode): VersionBump {
  if (changes.length === 0) return 'none'
  const ref: CompatibilityMode = mode === 'none' ? 'backward' : mode
  if (changes.some((c) => breaks(c, ref))) return 'major'
  if (changes.some((c) => !ANNOTATIONS.has(c.change))) return 'minor'
  return 'patch'
}

/** One layer's `violations` (objects `{field, change, message}`; a bare string is a message). */
export interface LayerViolations {
  layer: string
  violations?: unknown[] | undefined
}

export interface CompatibilityViolation {
  layer: string
  field: string | null
  change: string | null
  message: string
  consumers: string[]
}

export interface CompatibilityAnswer {
  /** No layer reported a violation. */
  compatible: boolean
  mode: CompatibilityMode
  /** From the diff under the port's mode; policies add violations, not bumps. */
  bump: VersionBump
  violations: CompatibilityViolation[]
  /** Consumers using a field some violation names (all consumers for a violation without a field). */
  affected_consumers: string[]
  baseline: BaselineVerdict
}

/** The final answer: every layer's violations, each with the consumers it affects. */
export function mergeCompatibility(input: CompatibilityInput, verdict: BaselineVerdict, layers: readonly LayerViolations[]): CompatibilityAnswer {
  const violations: CompatibilityViolation[] = []
  const seen = new Set<string>()
  for (const l of layers) {
    for (const raw of l.violations ?? []) {
      const v = (typeof raw === 'string' ? { message: raw } : raw) as Record<string, unknown> | null
      if (typeof v !== 'object' || v === null) continue
      const field = typeof v.field === 'string' ? v.field : null
      const change = typeof v.change === 'string' ? v.change : null
      const message = typeof v.message === 'string' ? v.message : 'compatibility violation'
      const key = JSON.stringify([l.layer, field, change, message])
      if (seen.has(key)) continue
      seen.add(key)
      violations.push({ layer: l.layer, field, change, message, consumers: consumersUsing(field ?? '', input.consumers) })
    }
  }
  violations.sort((a, b) => cmp(a.layer, b.layer) || cmp(a.field ?? '', b.field ?? '') || cmp(a.message, b.message))
  return {
    compatible: violations.length === 0,
    mode: input.mode,
    bump: verdict.bump,
    violations,
    affected_consumers: [...new Set(violations.flatMap((v) => v.consumers))].sort(),
    baseline: verdict,
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
