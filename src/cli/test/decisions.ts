// Running decision fixtures (cli stage, on top of the engine): each case is
// answered by the engine's decision API, exactly as the sidecar answers it —
// an Engine holding the global and the domain layer over the product's
// `data.mesh`, the case's request turned into the policy input by the same
// builder the HTTP routes use (`decisionInput`, `compatibilityQuestion`),
// then `access()`, `anonymization()` or `compatibility()` — and the answer
// is compared with the case's `expect` (docs/fixtures.md).

import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Engine, compatibilityQuestion, decisionInput, domainLayer, globalLayer, type AccessOutcome, type DecisionRequest } from '../../engine/index.js'
import type { AnonymizationPlan, CompatibilityAnswer, MeshModel } from '../../product/index.js'
import { MeshgateError, type ErrorDetail } from '../../errors/index.js'
import { FIXTURE_ERROR, type FixtureCase, type FixtureFile } from './fixtures.js'
import type { LayerBundle } from './layer-bundle.js'

/** A decision reduced to what fixtures assert, comparable as JSON. */
export type Decision = Record<string, unknown>

export interface CaseResult {
  fixture: FixtureCase
  decision?: Decision
  /** Mismatches between `expect` and the decision; empty when it passed. */
  mismatches: string[]
  error?: string
  durationNs: number
}

export interface FixtureContext {
  file: FixtureFile
  mesh: MeshModel
  domain: string
}

/** Checks what needs the mesh: every port a case names, every proposed file. */
export async function checkCases(ctx: FixtureContext): Promise<ErrorDetail[]> {
  const errors: ErrorDetail[] = []
  const ports = Object.keys(ctx.mesh.data.ports)
  for (const c of ctx.file.cases) {
    if (!ctx.mesh.data.ports[c.request.port]) {
      errors.push({
        code: FIXTURE_ERROR,
        message: `case \`${c.name}\` names port \`${c.request.port}\`, which product \`${ctx.mesh.data.product.id}\` does not declare`,
        location: c.portLocation,
        details: `declared ports: ${ports.map((p) => `\`${p}\``).join(', ') || 'none'}`,
      })
    }
    if (c.request.proposed !== undefined) {
      try {
        await readProposed(ctx.file.path, c.request.proposed)
      } catch (e) {
        const err: ErrorDetail = { code: FIXTURE_ERROR, message: `case \`${c.name}\`: ${(e as Error).message}` }
        const loc = c.proposedLocation ?? c.location
        err.location = loc
        errors.push(err)
      }
    }
  }
  if (ctx.file.product !== ctx.mesh.data.product.id) {
    errors.push({
      code: FIXTURE_ERROR,
      message: `fixture file is for product \`${ctx.file.product}\` but its folder holds product \`${ctx.mesh.data.product.id}\``,
      location: { file: ctx.file.path, row: 1, col: 1 },
    })
  }
  return errors
}

/** An engine with the global and domain layers loaded, over the product's mesh. */
export async function engineFor(ctx: FixtureContext, global: LayerBundle, domain: LayerBundle): Promise<Engine> {
  const engine = new Engine({ layers: [globalLayer(), domainLayer(ctx.domain)], mesh: ctx.mesh.data as unknown as Record<string, unknown>, cacheSize: 0 })
  try {
    await engine.activate('global', global.bundle, global.from)
    await engine.activate(`domains/${ctx.domain}`, domain.bundle, domain.from)
  } catch (e) {
    await engine.close()
    throw e
  }
  return engine
}

export async function runCase(engine: Engine, ctx: FixtureContext, c: FixtureCase): Promise<CaseResult> {
  const start = process.hrtime.bigint()
  const ns = () => Number(process.hrtime.bigint() - start)
  try {
    const decision = await decide(engine, ctx, c)
    return { fixture: c, decision, mismatches: compare(c, decision), durationNs: ns() }
  } catch (e) {
    return { fixture: c, mismatches: [], error: (e as Error).message, durationNs: ns() }
  }
}

/** A case's request as the sidecar's decision body: port, purpose, fields, and `request` for gateway cases. */
function requestOf(c: FixtureCase): DecisionRequest {
  const { port, purpose, fields, method, path, headers } = c.request
  const req: DecisionRequest = { port }
  if (purpose !== undefined) req.purpose = purpose as string
  if (fields !== undefined) req.fields = fields as string[]
  if (method !== undefined || path !== undefined || headers !== undefined) {
    req.request = {
      ...(method !== undefined ? { method: method as string } : {}),
      ...(path !== undefined ? { path: path as string } : {}),
      ...(headers !== undefined ? { headers: headers as Record<string, string> } : {}),
    }
  }
  return req
}

async function decide(engine: Engine, ctx: FixtureContext, c: FixtureCase): Promise<Decision> {
  const port = ctx.mesh.data.ports[c.request.port]!
  switch (c.decision) {
    case 'access':
      return accessDecision((await engine.access(decisionInput(c.subject, requestOf(c)))).value)
    case 'anonymization':
      return anonymizationDecision((await engine.anonymization(decisionInput(c.subject, requestOf(c)), port.fields)).value)
    case 'schema-compatibility': {
      const proposed = await readProposed(ctx.file.path, c.request.proposed!)
      const current = ctx.mesh.contracts.get(port.contract.id)
      const purpose = c.request.purpose as string | undefined
      return compatibilityDecision(
        (await engine.compatibility(compatibilityQuestion(c.subject, { port: c.request.port, purpose, current, proposed }, port))).value,
      )
    }
  }
}

// ---- decisions reduced to what `expect` asserts ----

function accessDecision(d: AccessOutcome): Decision {
  return { allow: d.allow, deny: d.deny.map((r) => ({ layer: r.layer, ...(r.code !== undefined ? { code: r.code } : {}), message: r.message })) }
}

/** Each field as its transform plus the layer that won. */
function anonymizationDecision(plan: AnonymizationPlan): Decision {
  const fields: Record<string, unknown> = {}
  for (const [path, f] of Object.entries(plan.fields)) fields[path] = { ...f.transform, layer: f.layer }
  return { fields, row_filters: plan.row_filters }
}

function compatibilityDecision(answer: CompatibilityAnswer): Decision {
  return {
    compatible: answer.compatible,
    bump: answer.bump,
    affected_consumers: answer.affected_consumers,
    violations: answer.violations.map((v) => ({ layer: v.layer, field: v.field, change: v.change, message: v.message })),
  }
}

async function readProposed(fixturePath: string, rel: string): Promise<unknown> {
  const file = resolve(dirname(fixturePath), rel)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new MeshgateError(FIXTURE_ERROR, `proposed contract \`${rel}\` does not exist (paths are relative to the fixture file)`)
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (e) {
    throw new MeshgateError(FIXTURE_ERROR, `proposed contract \`${rel}\` is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`)
  }
}

// ---- comparing with `expect` ----

/** Every mismatch between the case's expectations and the decision, as one line each. */
export function compare(c: FixtureCase, d: Decision): string[] {
  const out: string[] = []
  const e = c.expect
  const scalar = (key: string) => {
    if (key in e && canonical(e[key]) !== canonical(d[key])) out.push(`${key}: expected ${canonical(e[key])}, got ${canonical(d[key])}`)
  }
  switch (c.decision) {
    case 'access':
      scalar('allow')
      if ('deny' in e) out.push(...compareList('deny', e.deny, d.deny as Record<string, unknown>[]))
      break
    case 'anonymization':
      if ('fields' in e) {
        const want = (e.fields ?? {}) as Record<string, Record<string, unknown> | string>
        const got = d.fields as Record<string, Record<string, unknown>>
        for (const [path, raw] of Object.entries(want)) {
          const w = typeof raw === 'string' ? { action: raw } : (raw ?? {})
          const g = got[path]
          if (!g) {
            out.push(`fields.${path}: expected ${canonical(w)}, but the plan does not name the field`)
            continue
          }
          if (!subsetOf(w, g)) out.push(`fields.${path}: expected ${canonical(w)}, got ${canonical(g)}`)
        }
      }
      if ('row_filters' in e) out.push(...compareList('row_filters', e.row_filters, d.row_filters as Record<string, unknown>[]))
      break
    case 'schema-compatibility':
      scalar('compatible')
      scalar('bump')
      if ('affected_consumers' in e) {
        const want = [...((e.affected_consumers ?? []) as string[])].sort()
        if (canonical(want) !== canonical(d.affected_consumers))
          out.push(`affected_consumers: expected ${canonical(want)}, got ${canonical(d.affected_consumers)}`)
      }
      if ('violations' in e) out.push(...compareList('violations', e.violations, d.violations as Record<string, unknown>[]))
      break
  }
  return out
}

/**
 * Lists compare as sets of partial objects: each expected entry must match a
 * different actual entry on the keys it gives, and no actual entry may be
 * left over.
 */
function compareList(key: string, wantRaw: unknown, got: Record<string, unknown>[]): string[] {
  const want = (Array.isArray(wantRaw) ? wantRaw : []) as Record<string, unknown>[]
  const left = [...got]
  const missing: Record<string, unknown>[] = []
  for (const w of want) {
    const i = left.findIndex((g) => subsetOf(w, g))
    if (i < 0) missing.push(w)
    else left.splice(i, 1)
  }
  const out: string[] = []
  for (const m of missing) out.push(`${key}: expected ${canonical(m)}, not in the decision`)
  for (const l of left) out.push(`${key}: unexpected ${canonical(brief(l))}`)
  return out
}

function subsetOf(want: unknown, got: unknown): boolean {
  if (typeof want !== 'object' || want === null || Array.isArray(want)) return canonical(want) === canonical(got)
  if (typeof got !== 'object' || got === null) return false
  return Object.entries(want).every(([k, v]) => canonical(v) === canonical((got as Record<string, unknown>)[k]))
}

/** Messages are long and rarely asserted; mismatches show the identifying keys. */
function brief(o: Record<string, unknown>): Record<string, unknown> {
  const { message: _m, ...rest } = o
  return Object.keys(rest).length ? rest : o
}

/** JSON with sorted keys, so equal values print (and compare) equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortDeep(v)) ?? 'undefined'
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep)
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) out[k] = sortDeep((v as Record<string, unknown>)[k])
    return out
  }
  return v
}
