// registry.yaml: defaults, relative paths, keys read and checked at start,
// and every error at the file:row:col of the value at fault.

import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRegistryConfig } from '../../src/registry/index.js'
import { CompileError } from '../../src/errors/index.js'
import { KEYS } from '../fixtures/registry/harness.js'

const AUTH = 'auth:\n  issuer: https://idp\n  audience: registry\n  algorithms: [RS256]\n  jwks_file: jwks.json\n'
const KEY = (id: string, alg = 'ES256', pem = KEYS.global.pub, roots = '[global]') =>
  `  ${id}: { algorithm: ${alg}, key: ${JSON.stringify(pem)}, roots: ${roots} }\n`

function errorsOf(text: string, file = '/etc/mg/registry.yaml'): { message: string; at: string }[] {
  try {
    parseRegistryConfig(text, file)
  } catch (e) {
    const ce = e as CompileError
    const list = ce.errors ?? [ce]
    return list.map((x) => ({ message: x.message, at: x.location ? `${x.location.row}:${x.location.col}` : '' }))
  }
  throw new Error('expected config errors')
}

t.test('defaults and relative paths', async (t) => {
  const c = parseRegistryConfig(`${AUTH}keys:\n${KEY('global')}`, '/etc/mg/registry.yaml')
  t.same(c.server, { host: '127.0.0.1', port: 8282, bundlePrefix: '/bundles', maxWaitSeconds: 300 })
  t.same(c.storage, { dir: '/etc/mg/registry-data' }, 'no retention: every revision keeps its bytes')
  t.equal(c.auth.jwks_file, '/etc/mg/jwks.json')
  t.match(c.auth, { roots_claim: 'roots', subject_claim: 'sub', require_for_download: false, clock_tolerance_seconds: 0 })
  t.same(c.limits, { compressed: 16 * 1024 * 1024, uncompressed: 128 * 1024 * 1024, memoryMiB: 256 })
  t.equal(c.signingRequired, true)
  t.same(c.keys.global?.roots, ['global'])
  t.same(c.validate, { tests: false, loadTimeoutMs: 10_000, testsTimeoutMs: 60_000 })
  t.same(c.status, { staleAfterSeconds: 60, maxInstances: 10_000, maxReportBytes: 256 * 1024 })
  t.same(
    c.decisionLogs,
    {
      maxUploadBytes: 4 * 1024 * 1024,
      maxUncompressedBytes: 64 * 1024 * 1024,
      maxEventsPerUpload: 10_000,
      openUpload: false,
      readClaim: 'roles',
      readRoles: ['decision-reader'],
      retention: { maxEvents: 1_000_000, maxBytes: 1024 ** 3 },
    },
    'decision logs: uploads need a token, reads a role',
  )
})

t.test('every field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-regcfg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'orders.pem'), KEYS.orders.pub)
  const c = parseRegistryConfig(
    `
server: { addr: "0.0.0.0:9000", bundle_prefix: /opa/bundles/, max_wait_seconds: 60 }
storage: { dir: /var/lib/mg, retention: { revisions: 20 } }
auth:
  issuer: https://idp
  audience: [registry, ci]
  algorithms: [ES256, RS256]
  jwks_url: https://idp/jwks.json
  roots_claim: meshgate.roots
  subject_claim: client_id
  require_for_download: true
keys:
  orders: { algorithm: ES256, key_file: orders.pem, roots: [/domains/orders/], scope: write }
signing: { required: true }
bundles:
  global: { roots: [global] }
limits: { compressed: 1mib, uncompressed: 10mib, memory_mb: 64 }
validate: { load_timeout_seconds: 3 }
status: { stale_after_seconds: 5, max_instances: 50, max_report_size: 64kib }
decision_logs:
  max_upload_size: 1mib
  max_uncompressed_size: 8mib
  max_events_per_upload: 2000
  open_upload: true
  read_claim: realm_access.roles
  read_roles: []
  retention: { max_events: 5000, max_bytes: 100mib }
`,
    join(dir, 'registry.yaml'),
  )
  t.same(c.server, { host: '0.0.0.0', port: 9000, bundlePrefix: '/opa/bundles', maxWaitSeconds: 60 })
  t.same(c.storage, { dir: '/var/lib/mg', keepRevisions: 20 })
  t.match(c.auth, { roots_claim: 'meshgate.roots', subject_claim: 'client_id', require_for_download: true, jwks_url: 'https://idp/jwks.json' })
  t.same(c.keys.orders, { algorithm: 'ES256', key: KEYS.orders.pub, roots: ['domains/orders'], scope: 'write' })
  t.same(c.pins, { global: ['global'] })
  t.same(c.limits, { compressed: 1024 * 1024, uncompressed: 10 * 1024 * 1024, memoryMiB: 64 })
  t.equal(c.validate.loadTimeoutMs, 3000)
  t.same(c.status, { staleAfterSeconds: 5, maxInstances: 50, maxReportBytes: 64 * 1024 })
  t.same(c.decisionLogs, {
    maxUploadBytes: 1024 * 1024,
    maxUncompressedBytes: 8 * 1024 * 1024,
    maxEventsPerUpload: 2000,
    openUpload: true,
    readClaim: 'realm_access.roles',
    readRoles: [],
    retention: { maxEvents: 5000, maxBytes: 100 * 1024 * 1024 },
  })
})

t.test('keys are checked when the config is read, each error at its value', async (t) => {
  const errs = errorsOf(
    `${AUTH}keys:\n${KEY('a', 'RS256')}${KEY('b', 'HS256')}${KEY('c', 'ES256', 'not a key')}  d: { algorithm: ES256, roots: [x] }\n  e: { algorithm: ES256, key_file: nowhere.pem, roots: [x] }\n`,
  )
  t.same(
    errs.map((e) => e.at),
    ['7:31', '8:31', '9:31', '10:8', '11:36'],
  )
  t.match(errs[0]!.message, 'key `a` is of type `ec prime256v1`, which cannot make `RS256` signatures')
  t.match(errs[1]!.message, 'key `b`: algorithm `HS256` is not supported')
  t.match(errs[2]!.message, 'key `c` is not a PEM public key')
  t.match(errs[3]!.message, '`/keys/d` needs exactly one of `key` (PEM text) and `key_file`')
  t.match(errs[4]!.message, 'cannot read key file `nowhere.pem`')
})

t.test('schema, auth, signing and validate errors', async (t) => {
  t.match(errorsOf('server: { adr: x }\n' + AUTH + `keys:\n${KEY('g')}`), [{ message: '`/server` has unknown field `adr`', at: '1:11' }])
  t.match(errorsOf(`auth:\n  issuer: i\n  audience: a\n  algorithms: [RS256]\nkeys:\n${KEY('g')}`), [
    { message: '`/auth` needs exactly one of `jwks_url` and `jwks_file`', at: '2:3' },
  ])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g', 'ES256', KEYS.global.pub, '[]')}`), [{ message: '`/keys/g/roots` must NOT have fewer than 1 items' }])
  t.doesNotThrow(() => parseRegistryConfig(`${AUTH}keys:\n${KEY('g')}validate: { tests: true, tests_timeout_seconds: 30 }\n`), 'validate.tests is an option')
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}bundles:\n  "../x": { roots: [x] }\n`), [{ message: /must match pattern/ }])
  t.match(errorsOf(AUTH), [{ message: /no `keys` are configured/ }])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}status: { stale_after_seconds: 0 }\n`), [{ message: '`/status/stale_after_seconds` must be >= 1' }])
  t.doesNotThrow(() => parseRegistryConfig(`${AUTH}signing: { required: false }\n`), 'an unsigned registry is a choice')
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}decision_logs: { max_uncompressed_size: 2gib }\n`), [
    { message: /max_uncompressed_size` is more than the most one upload may be/ },
  ])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}decision_logs: { max_events_per_upload: 0 }\n`), [
    { message: '`/decision_logs/max_events_per_upload` must be >= 1' },
  ])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}decision_logs: { retention: { max_events: 10, keep: 1 } }\n`), [{ message: /unknown field `keep`/ }])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}storage: { retention: { revisions: 0 } }\n`), [{ message: '`/storage/retention/revisions` must be >= 1' }])
  t.match(errorsOf(`${AUTH}keys:\n${KEY('g')}storage: { retention: { revisions: 2.5 } }\n`), [{ message: /must be integer/ }])
})
