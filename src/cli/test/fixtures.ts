// Decision fixture files (cli stage, read before any decision runs): YAML
// lists of requests and the decisions the sidecar must give with the global
// and domain layers combined (docs/fixtures.md). Reading checks the shape and
// keeps the row and column of every case, so a bad file is reported as
// `file:row:col` (exit 2) and a failing case points at its `name`.

import { readFile } from 'node:fs/promises'
import { LineCounter, isMap, isSeq, parseDocument, type Node as YamlNode, type Document } from 'yaml'
import type { ErrorCode, ErrorDetail, Location } from '../../errors/index.js'

/** Bad fixtures are bad input to the command: exit 2, with file:row:col. */
export const FIXTURE_ERROR: ErrorCode = 'fixture_error'

export type DecisionKind = 'access' | 'anonymization' | 'schema-compatibility'
export const DECISIONS: readonly DecisionKind[] = ['access', 'anonymization', 'schema-compatibility']

export interface FixtureCase {
  name: string
  decision: DecisionKind
  subject: Record<string, unknown>
  request: Record<string, unknown> & { port: string; proposed?: string }
  expect: Record<string, unknown>
  location: Location
  /** Where `request.port` is written, for an unknown port. */
  portLocation: Location
  proposedLocation?: Location
}

export interface FixtureFile {
  path: string
  product: string
  cases: FixtureCase[]
  text: string
}

const CASE_KEYS = new Set(['name', 'decision', 'subject', 'request', 'expect'])
/** What each decision's request may say: the sidecar's request bodies (docs/http-api.md), no more. */
const DECISION_REQUEST_KEYS = ['port', 'purpose', 'fields', 'method', 'path', 'headers']
const REQUEST_KEYS_OF: Record<DecisionKind, Set<string>> = {
  access: new Set(DECISION_REQUEST_KEYS),
  anonymization: new Set(DECISION_REQUEST_KEYS),
  'schema-compatibility': new Set(['port', 'purpose', 'proposed']),
}
const REQUEST_KEYS = new Set([...DECISION_REQUEST_KEYS, 'proposed'])
const EXPECT_KEYS: Record<DecisionKind, Set<string>> = {
  access: new Set(['allow', 'deny']),
  anonymization: new Set(['fields', 'row_filters']),
  'schema-compatibility': new Set(['compatible', 'bump', 'affected_consumers', 'violations']),
}

export async function readFixtureFile(path: string): Promise<{ file?: FixtureFile; errors: ErrorDetail[] }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    return { errors: [{ code: 'io_error', message: `cannot read \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] }
  }
  return parseFixtureFile(path, text)
}

export function parseFixtureFile(path: string, text: string): { file?: FixtureFile; errors: ErrorDetail[] } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const at = (offset: number): Location => {
    const p = lines.linePos(offset)
    return { file: path, row: p.line, col: p.col }
  }
  const errors: ErrorDetail[] = []
  const fail = (message: string, node: YamlNode | null | undefined, details?: string) => {
    const e: ErrorDetail = { code: FIXTURE_ERROR, message, location: at(node?.range?.[0] ?? 0) }
    if (details) e.details = details
    errors.push(e)
  }
  for (const e of doc.errors) {
    errors.push({
      code: FIXTURE_ERROR,
      message: `\`${path}\` is not valid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      location: at(e.pos[0]),
    })
  }
  if (errors.length) return { errors }
  const root = doc.contents
  if (!isMap(root)) {
    fail('a fixture file is a mapping with `product` and `cases`', root)
    return { errors }
  }
  const top = doc.toJS() as Record<string, unknown>
  for (const k of Object.keys(top))
    if (k !== 'product' && k !== 'cases') fail(`unknown key \`${k}\` in a fixture file`, keyNode(doc, [k]), 'a fixture file has `product` and `cases`')
  if (typeof top.product !== 'string' || !top.product)
    fail('`product` must name the data product (its ODPS `id`)', (doc.getIn(['product'], true) as YamlNode) ?? root)
  const casesNode = doc.getIn(['cases'], true) as YamlNode | undefined
  if (!isSeq(casesNode)) {
    fail('`cases` must be a list of cases', casesNode ?? root)
    return { errors }
  }
  const cases: FixtureCase[] = []
  const names = new Set<string>()
  casesNode.items.forEach((item, i) => {
    const node = item as YamlNode
    const c = (top.cases as unknown[])[i] as Record<string, unknown>
    if (!isMap(node) || typeof c !== 'object' || c === null) {
      fail(`case ${i + 1} must be a mapping`, node)
      return
    }
    const before = errors.length
    const path0 = ['cases', i]
    const label = typeof c.name === 'string' ? `case \`${c.name}\`` : `case ${i + 1}`
    for (const k of Object.keys(c))
      if (!CASE_KEYS.has(k))
        fail(`unknown key \`${k}\` in ${label}`, keyNode(doc, [...path0, k]), `a case has ${[...CASE_KEYS].map((x) => `\`${x}\``).join(', ')}`)
    if (typeof c.name !== 'string' || !c.name) fail(`${label} needs a \`name\``, node)
    else if (names.has(c.name)) fail(`two cases are named \`${c.name}\``, doc.getIn([...path0, 'name'], true) as YamlNode)
    else names.add(c.name)
    if (!DECISIONS.includes(c.decision as DecisionKind)) {
      fail(
        `${label}: \`decision\` must be one of ${DECISIONS.map((d) => `\`${d}\``).join(', ')}`,
        (doc.getIn([...path0, 'decision'], true) as YamlNode) ?? node,
      )
    }
    for (const k of ['subject', 'request', 'expect']) {
      const v = c[k]
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        fail(`${label}: \`${k}\` must be a mapping`, (doc.getIn([...path0, k], true) as YamlNode) ?? node)
    }
    const request = (c.request ?? {}) as Record<string, unknown>
    if (typeof c.request === 'object' && c.request !== null) {
      const allowed = REQUEST_KEYS_OF[c.decision as DecisionKind] ?? REQUEST_KEYS
      for (const k of Object.keys(request)) {
        const at = keyNode(doc, [...path0, 'request', k])
        if (!REQUEST_KEYS.has(k)) fail(`${label}: unknown request key \`${k}\``, at, `a request has ${[...REQUEST_KEYS].map((x) => `\`${x}\``).join(', ')}`)
        else if (!allowed.has(k))
          fail(
            `${label}: \`request.${k}\` is not part of a${c.decision === 'access' || c.decision === 'anonymization' ? 'n' : ''} ${c.decision as string} request`,
            at,
            `its request has ${[...allowed].map((x) => `\`${x}\``).join(', ')}`,
          )
      }
      // The types the sidecar's request schema enforces, so a case asks only what a request could.
      const typed = (k: string, ok: (v: unknown) => boolean, what: string) => {
        if (request[k] !== undefined && !ok(request[k]))
          fail(`${label}: \`request.${k}\` must be ${what}`, (doc.getIn([...path0, 'request', k], true) as YamlNode) ?? node)
      }
      const isString = (v: unknown) => typeof v === 'string'
      typed('purpose', isString, 'a string')
      typed('fields', (v) => Array.isArray(v) && v.every(isString), 'a list of field names')
      typed('method', isString, 'a string')
      typed('path', isString, 'a string')
      typed(
        'headers',
        (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString),
        'a mapping of header names to strings',
      )
      if (typeof request.port !== 'string' || !request.port)
        fail(`${label}: \`request.port\` must name an output port`, (doc.getIn([...path0, 'request'], true) as YamlNode) ?? node)
      if (c.decision === 'schema-compatibility' && typeof request.proposed !== 'string') {
        fail(
          `${label}: a schema-compatibility case needs \`request.proposed\`, the proposed contract file (relative to the fixture file)`,
          (doc.getIn([...path0, 'request'], true) as YamlNode) ?? node,
        )
      }
    }
    const expectKeys = EXPECT_KEYS[c.decision as DecisionKind]
    if (expectKeys && typeof c.expect === 'object' && c.expect !== null) {
      for (const k of Object.keys(c.expect))
        if (!expectKeys.has(k))
          fail(
            `${label}: \`expect.${k}\` is not part of a${c.decision === 'access' ? 'n' : ''} ${c.decision} decision`,
            keyNode(doc, [...path0, 'expect', k]),
            `expect ${[...expectKeys].map((x) => `\`${x}\``).join(', ')}`,
          )
    }
    if (errors.length > before) return
    const nameNode = doc.getIn([...path0, 'name'], true) as YamlNode
    const fc: FixtureCase = {
      name: c.name as string,
      decision: c.decision as DecisionKind,
      subject: c.subject as Record<string, unknown>,
      request: request as FixtureCase['request'],
      expect: c.expect as Record<string, unknown>,
      location: at(node.range?.[0] ?? nameNode?.range?.[0] ?? 0),
      portLocation: at((doc.getIn([...path0, 'request', 'port'], true) as YamlNode)?.range?.[0] ?? 0),
    }
    const proposedNode = doc.getIn([...path0, 'request', 'proposed'], true) as YamlNode | undefined
    if (proposedNode?.range) fc.proposedLocation = at(proposedNode.range[0])
    cases.push(fc)
  })
  if (errors.length) return { errors }
  return { file: { path, product: top.product as string, cases, text }, errors }
}

/** The key node of a mapping entry, so an unknown key is reported where it is written. */
function keyNode(doc: Document, path: (string | number)[]): YamlNode | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents
  if (!isMap(parent)) return undefined
  const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[path.length - 1])
  return (pair?.key as YamlNode | undefined) ?? undefined
}
