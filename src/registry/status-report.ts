// A sidecar's status report, as OPA's status plugin sends it
// (v1/plugins/status/plugin.go, UpdateRequestV1): `labels` (with the
// instance `id`), `bundles` (OPA's bundle.Status per bundle name), `plugins`
// (state per plugin), and fields the registry does not keep (`discovery`,
// `decision_logs`, `metrics`). meshgate's sidecar (download/status-reporter.ts)
// sends the same shape plus `stale`, `restored_from_disk` and `long_polling`
// per bundle.
//
// Checked in three steps, each refusing with 400 `request_invalid`:
// nesting depth (on the parsed value, without recursion), then the JSON
// Schema below (ajv, types not coerced), then the projection to what the
// registry keeps: the known fields only, long messages and error lists cut.
// What is kept is about the size of what was sent at most (so
// `status.max_report_size` bounds it) and about 1 KiB for a typical report.

import AjvModule from 'ajv'
import { MeshgateError } from '../errors/index.js'
import type { ReportedBundle, SidecarStatus } from './store.js'

/**
 * Deepest nesting a report may have, its own object counting as 1. OPA's
 * deepest part, Prometheus metrics, is about 10 levels.
 */
export const MAX_STATUS_DEPTH = 32
/** Longest message kept per bundle, error or plugin; longer ones are cut (with `…`). */
export const MAX_KEPT_MESSAGE = 512
/** Errors kept per bundle (the first ones). */
export const MAX_KEPT_ERRORS = 8

const text = (max: number) => ({ type: 'string', maxLength: max }) as const
const time = text(64)

const BUNDLE_STATUS = {
  type: 'object',
  properties: {
    name: text(256),
    active_revision: text(256),
    last_request: time,
    last_successful_request: time,
    last_successful_download: time,
    last_successful_activation: time,
    code: text(128),
    message: { type: 'string' },
    // OPA marshals Go errors: ast errors as {code, message, location}, plain ones as {}.
    errors: { type: 'array', items: { type: ['object', 'string'] } },
    stale: { type: 'boolean' },
    restored_from_disk: { type: 'boolean' },
    long_polling: { type: 'boolean' },
    type: text(64),
    size: { type: 'integer' },
    http_code: { type: ['integer', 'string'] },
  },
  additionalProperties: true,
} as const

export const STATUS_REPORT_SCHEMA = {
  type: 'object',
  required: ['labels'],
  properties: {
    labels: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 256 } },
      maxProperties: 32,
      propertyNames: { maxLength: 128 },
      additionalProperties: text(512),
    },
    bundles: {
      type: 'object',
      maxProperties: 64,
      propertyNames: { maxLength: 256 },
      additionalProperties: BUNDLE_STATUS,
    },
    // OPA before bulk updates sent one bundle here; newer OPA sends both.
    bundle: BUNDLE_STATUS,
    plugins: {
      type: 'object',
      maxProperties: 64,
      propertyNames: { maxLength: 128 },
      additionalProperties: {
        type: 'object',
        required: ['state'],
        properties: { state: text(32), message: { type: 'string' } },
        additionalProperties: true,
      },
    },
  },
  // OPA adds fields over versions (discovery, decision_logs, metrics): accepted, not kept.
  additionalProperties: true,
} as const

const Ajv = AjvModule.default ?? AjvModule
const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(STATUS_REPORT_SCHEMA)

/** A report's bundle before it is bounded: OPA's shape, but errors may be plain strings. */
type RawBundle = Omit<ReportedBundle, 'name' | 'errors'> & { name?: string; errors?: (string | { code?: unknown; message?: unknown })[] }

interface RawReport {
  labels: Record<string, string> & { id: string }
  bundles?: Record<string, RawBundle>
  bundle?: RawBundle
  plugins?: Record<string, { state: string; message?: string }>
}

export interface ReportContext {
  receivedAt: Date
  partition?: string
  reporter?: string
}

/** Checks a parsed status report body and returns what the registry keeps of it. */
export function readStatusReport(body: unknown, ctx: ReportContext): SidecarStatus {
  if (nestedDeeperThan(body, MAX_STATUS_DEPTH)) {
    throw new MeshgateError('request_invalid', `the status report is nested deeper than ${MAX_STATUS_DEPTH} levels of arrays and objects`, undefined, [
      { path: '', message: `nests deeper than ${MAX_STATUS_DEPTH}` },
    ])
  }
  if (!validate(body)) {
    const e = validate.errors![0]!
    const path = e.instancePath || '/'
    throw new MeshgateError('request_invalid', `the status report does not have OPA's status API shape: \`${path}\` ${e.message ?? 'is invalid'}`, undefined, [
      { path: e.instancePath, message: e.message ?? 'is invalid' },
    ])
  }
  const raw = body as RawReport
  const bundles: ReportedBundle[] = []
  const given = raw.bundles ?? (raw.bundle ? { [raw.bundle.name ?? '']: raw.bundle } : {})
  for (const [key, b] of Object.entries(given)) {
    // OPA keys `bundles` by the bundle's name and repeats it in `name`.
    const name = key || b.name
    if (name) bundles.push(keptBundle(name, b))
  }
  bundles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const plugins: SidecarStatus['plugins'] = {}
  for (const [name, p] of Object.entries(raw.plugins ?? {})) {
    plugins[name] = { state: p.state, ...(p.message ? { message: cut(p.message) } : {}) }
  }
  const status: SidecarStatus = {
    id: raw.labels.id,
    received_at: ctx.receivedAt.toISOString(),
    labels: { ...raw.labels },
    bundles,
    plugins,
  }
  if (ctx.partition) status.partition = ctx.partition
  if (ctx.reporter) status.reporter = ctx.reporter
  return status
}

function keptBundle(name: string, b: RawBundle): ReportedBundle {
  const kept: ReportedBundle = { name }
  for (const k of ['active_revision', 'code'] as const) if (b[k]) kept[k] = b[k]
  for (const k of ['last_request', 'last_successful_request', 'last_successful_download', 'last_successful_activation'] as const) {
    // Go's zero time is how OPA says "never" (omitempty does not drop a time.Time).
    if (b[k] && !b[k].startsWith(GO_ZERO_TIME)) kept[k] = b[k]
  }
  if (b.message) kept.message = cut(b.message)
  const errors = (b.errors ?? []).slice(0, MAX_KEPT_ERRORS).map((e) => {
    if (typeof e === 'string') return { message: cut(e) }
    const out: { code?: string; message?: string } = {}
    if (typeof e.code === 'string' && e.code) out.code = cut(e.code, 128)
    if (typeof e.message === 'string' && e.message) out.message = cut(e.message)
    return out
  })
  // Errors OPA could not describe marshal as {}; they still mean the bundle failed.
  if (errors.length) kept.errors = errors
  for (const k of ['stale', 'restored_from_disk', 'long_polling'] as const) if (b[k] !== undefined) kept[k] = b[k]
  return kept
}

const GO_ZERO_TIME = '0001-01-01'

function cut(s: string, max = MAX_KEPT_MESSAGE): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/** Whether arrays and objects nest deeper than `max` (the value itself is level 1); a loop, not recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth > max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}
