// Config: defaults, OPA-like fields, and errors pointing at file:row:col.

import t from 'tap'
import { parseConfig } from '../../src/config/index.js'
import { CompileError, MeshgateError } from '../../src/errors/index.js'

const errorsOf = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(text, 'meshgate.yaml', env)
  } catch (e) {
    if (e instanceof CompileError) return e.errors.map((x) => `${x.location?.row}:${x.location?.col}: ${x.code}: ${x.message}`)
    if (e instanceof MeshgateError) return [`${e.code}: ${e.message}`]
    throw e
  }
  return []
}

t.test('defaults', async (t) => {
  const c = parseConfig('bundles:\n  global:\n    resource: global.tar.gz\nauth: { mode: none }\n', '/etc/mg/meshgate.yaml')
  t.same(c.server, { host: '127.0.0.1', port: 8181, bodyLimit: 1024 * 1024 })
  t.same(c.bundles, [{ name: 'global', resource: '/etc/mg/global.tar.gz', layer: 'global' }], 'paths resolve against the config folder')
  t.same(c.cache, { decisions: 10000, tokens: 1000 })
  t.same(c.budgets, { steps: 0, timeMs: 0, memoryMiB: 256 })
  t.same(c.auth, { mode: 'none', via: 'config' })
})

t.test('auth is required; serving without it is an explicit choice', async (t) => {
  const text = 'server:\n  addr: 127.0.0.1:8181\nbundles:\n  global: { resource: g }\n'
  t.same(errorsOf(text), [
    '1:1: config_error: the config has no `auth`: set `auth` to verify bearer tokens, or `auth: { mode: none }` (or `policy serve --insecure-no-auth`) to serve without authentication',
  ])
  t.same(errorsOf('{}\n'), [errorsOf(text)[0]], 'an empty config too')
  t.same(
    parseConfig(text, 'meshgate.yaml', {}, { insecureNoAuth: true }).auth,
    { mode: 'none', via: 'flag' },
    '--insecure-no-auth lets a config without auth through',
  )
  t.same(parseConfig(`${text}auth: { mode: none }\n`, 'meshgate.yaml', {}).auth, { mode: 'none', via: 'config' })
  t.same(errorsOf(`${text}auth: { mode: none, issuer: x }\n`), ['5:21: config_error: `/auth` has unknown field `issuer`'], 'mode none takes nothing else')
  t.ok(errorsOf(`${text}auth: { mode: off }\n`).includes('5:15: config_error: `/auth/mode` must be one of `jwt`, `none`'))
  t.same(errorsOf(`${text}auth: { mode: jwt }\n`), [
    "5:7: config_error: `/auth` must have required property 'issuer'",
    "5:7: config_error: `/auth` must have required property 'audience'",
    "5:7: config_error: `/auth` must have required property 'algorithms'",
  ])
  const jwt = parseConfig(`${text}auth: { mode: jwt, issuer: i, audience: a, algorithms: [RS256], jwks_url: "https://k" }\n`, '/x/meshgate.yaml', {})
  t.equal(jwt.auth.mode, 'jwt')
})

t.test('a full config', async (t) => {
  const c = parseConfig(
    `
server: { addr: "0.0.0.0:9000", body_limit: 2mib }
product: { domain: orders, dir: ./product }
services:
  registry: { url: "https://registry.example" }
bundles:
  global: { service: registry, resource: bundles/global.tar.gz, polling: { min_delay_seconds: 10, max_delay_seconds: 20 } }
  orders: { resource: orders.tar.gz }
auth:
  issuer: https://idp
  audience: [meshgate, other]
  algorithms: [RS256, ES256]
  jwks_file: jwks.json
  claims: { roles: realm_access.roles }
cache: { decisions: 0, tokens: 5 }
budgets: { steps: 1000000, time_ms: 50, workers: 2, memory_mb: 64 }
anonymize: { key_env: MG_KEY }
forward_auth:
  routes: [{ prefix: /orders, port: orders-v1, purpose: reporting }]
`,
    '/x/meshgate.yaml',
    { MG_KEY: 'k'.repeat(32) },
  )
  t.same(c.server, { host: '0.0.0.0', port: 9000, bodyLimit: 2 * 1024 * 1024 })
  t.same(c.bundles[0], {
    name: 'global',
    resource: 'bundles/global.tar.gz',
    layer: 'global',
    service: 'registry',
    polling: { min_delay_seconds: 10, max_delay_seconds: 20 },
  })
  t.same(c.bundles[1], { name: 'orders', resource: '/x/orders.tar.gz', layer: 'domain' })
  t.equal(c.auth.mode, 'jwt', 'an auth section without `mode` verifies JWTs')
  if (c.auth.mode !== 'jwt') throw new Error('unreachable')
  t.equal(c.auth.claims.roles, 'realm_access.roles')
  t.equal(c.auth.claims.clearance, 'clearance')
  t.equal(c.auth.jwks_file, '/x/jwks.json')
  t.same(c.budgets, { steps: 1000000, timeMs: 50, workers: 2, memoryMiB: 64 })
  t.equal(c.anonymize.key, 'k'.repeat(32))
  t.same(c.product, { domain: 'orders', dir: '/x/product' })
})

t.test('errors point at file:row:col', async (t) => {
  t.same(errorsOf('server:\n  adr: 1\n'), ['2:3: config_error: `/server` has unknown field `adr`'])
  t.same(errorsOf('bundles:\n  global:\n    resource: 5\nauth: { mode: none }\n'), ['3:15: config_error: `/bundles/global/resource` must be string'])
  t.same(
    errorsOf('auth:\n  issuer: x\n  audience: y\n  algorithms: [HS256]\n  jwks_url: https://k\n'),
    ['4:16: config_error: `/auth/algorithms/0` must be one of `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `ES256`, `ES384`, `ES512`, `EdDSA`'],
    'symmetric algorithms and `none` are refused',
  )
  t.same(errorsOf('auth:\n  issuer: x\n  audience: y\n  algorithms: [RS256]\n'), ['2:3: config_error: `/auth` needs exactly one of `jwks_url` and `jwks_file`'])
  t.match(errorsOf('server: [\n')[0], /^\d+:\d+: config_error: not valid YAML/)
  t.same(errorsOf('bundles:\n  orders:\n    resource: o.tar.gz\nauth: { mode: none }\n'), ['config_error: a domain bundle needs `product.domain`'])
  t.same(errorsOf('bundles:\n  global: { resource: g, service: nope }\nauth: { mode: none }\n'), [
    'config_error: bundle `global` names service `nope`, which is not configured',
  ])
  t.same(errorsOf('bundles:\n  a: { resource: a, layer: standalone }\n  global: { resource: g }\nauth: { mode: none }\n'), [
    'config_error: a standalone bundle (roots [""]) must be the only bundle',
  ])
  t.same(errorsOf('anonymize: { key_env: MISSING }\nbundles: { global: { resource: g } }\nauth: { mode: none }\n'), [
    'config_error: environment variable `MISSING` (anonymize.key_env) is not set',
  ])
})

t.test('loadConfig checks the JWKS file at load, pointing at its key', async (t) => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { loadConfig } = await import('../../src/config/index.js')
  const dir = await mkdtemp(join(tmpdir(), 'mg-config-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'meshgate.yaml')
  const text =
    'bundles:\n  global: { resource: g.tar.gz }\nauth:\n  issuer: https://idp\n  audience: meshgate\n  algorithms: [RS256]\n  jwks_file: keys/jwks.json\n'
  await writeFile(file, text)
  const errorOf = async () => {
    try {
      await loadConfig(file, {})
    } catch (e) {
      if (e instanceof CompileError) return e.errors.map((x) => `${x.location?.file}:${x.location?.row}:${x.location?.col}: ${x.code}: ${x.message}`)
      throw e
    }
    return []
  }
  t.same(
    await errorOf(),
    [`${file}:7:14: config_error: \`/auth/jwks_file\` \`${join(dir, 'keys', 'jwks.json')}\` does not exist`],
    'missing: at the value of jwks_file',
  )
  const { mkdir } = await import('node:fs/promises')
  await mkdir(join(dir, 'keys'))
  await writeFile(join(dir, 'keys', 'jwks.json'), '{"keys": ')
  t.match(await errorOf(), [/^.*:7:14: config_error: `\/auth\/jwks_file` `.*jwks\.json` is not JSON: /], 'not JSON')
  await writeFile(join(dir, 'keys', 'jwks.json'), '{"kty": "RSA"}')
  t.match(await errorOf(), [/:7:14: config_error: .* is not a JSON Web Key Set \(no `keys` list\)$/], 'a single key, not a set')
  await writeFile(join(dir, 'keys', 'jwks.json'), '{"keys": []}')
  t.match(await errorOf(), [/:7:14: config_error: .* holds no keys, so no token could be verified$/], 'an empty set')
  await writeFile(join(dir, 'keys', 'jwks.json'), '{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}')
  t.same(await errorOf(), [], 'a key set loads')
  t.equal(parseConfig(text.replace('keys/jwks.json', 'nowhere.json'), file).auth?.jwks_file, join(dir, 'nowhere.json'), 'parseConfig checks the text only')
})

t.test('bundle sources: service, signing, persistence, keys and status', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const yaml = (keys: string, extra = '') => `
auth: { mode: none }
services: { reg: { url: "http://127.0.0.1:9", credentials: { bearer: { token: t0k } } } }
keys: ${keys}
bundles:
  global: { service: reg, resource: bundles/global, persist: true, signing: { keyid: g }, max_age_seconds: 60, on_max_age: serve }
status: { service: reg }
${extra}`
  const c = parseConfig(yaml(`{ g: { algorithm: ES256, key: ${JSON.stringify(pub)}, roots: [global] } }`), '/tmp/x/sidecar.yaml')
  t.match(c.bundles[0], { service: 'reg', persist: true, signing: { keyid: 'g' }, max_age_seconds: 60, on_max_age: 'serve' })
  t.equal(c.persistenceDirectory, '/tmp/x/.meshgate', 'beside the config file by default')
  t.match(c.keys.g, { algorithm: 'ES256', roots: ['global'] })
  t.same(c.status, { service: 'reg' })
  t.throws(
    () => parseConfig(yaml(`{ g: { algorithm: ES256, key: "not a pem" } }`)),
    { code: 'config_error', message: /\/keys\/g/ },
    'a key that cannot verify is a config error',
  )
  t.throws(
    () => parseConfig(yaml(`{ h: { algorithm: ES256, key: ${JSON.stringify(pub)} } }`)),
    { code: 'config_error', message: /signing key `g`/ },
    'signing.keyid must name a key',
  )
  t.throws(
    () => parseConfig('auth: { mode: none }\nbundles: { global: { resource: g.tar.gz } }\nstatus: { service: nowhere }\n'),
    { code: 'config_error', message: /`status` names service `nowhere`/ },
    'status must name a service',
  )
})

t.test("decision_logs: off unless configured; OPA's defaults; the spool in persistence_directory", async (t) => {
  const base = 'bundles: { global: { resource: g } }\nauth: { mode: none }\n'
  t.equal(parseConfig(base, '/etc/mg/meshgate.yaml').decisionLogs, undefined, 'off by default')
  const c = parseConfig(
    `${base}services: { reg: { url: "https://r", credentials: { bearer: { token: t } } } }\ndecision_logs: { service: reg }\n`,
    '/etc/mg/meshgate.yaml',
  )
  t.same(c.decisionLogs, {
    service: 'reg',
    resource: '/logs',
    console: false,
    reporting: { minDelaySeconds: 300, maxDelaySeconds: 600, uploadSizeLimitBytes: 32768 },
    erase: [],
    spool: { dir: '/etc/mg/.meshgate/decision-logs', maxBytes: 64 * 1024 * 1024, fsyncIntervalSeconds: 1 },
  })
  const full = parseConfig(
    `${base}services: { reg: { url: "https://r/" } }
persistence_directory: /var/mg
decision_logs:
  service: reg
  resource: /v1/logs
  console: true
  reporting: { min_delay_seconds: 1, max_delay_seconds: 5, upload_size_limit_bytes: 65536 }
  erase: [/input/password, /result/token]
  spool: { max_bytes: 8mib, fsync_interval_seconds: 0.2 }
`,
    '/etc/mg/meshgate.yaml',
  )
  t.same(full.decisionLogs, {
    service: 'reg',
    resource: '/v1/logs',
    console: true,
    reporting: { minDelaySeconds: 1, maxDelaySeconds: 5, uploadSizeLimitBytes: 65536 },
    erase: ['/input/password', '/result/token'],
    spool: { dir: '/var/mg/decision-logs', maxBytes: 8 * 1024 * 1024, fsyncIntervalSeconds: 0.2 },
  })
  t.same(parseConfig(`${base}decision_logs: { console: true, spool: { dir: logs } }\n`, '/etc/mg/meshgate.yaml').decisionLogs?.spool.dir, '/etc/mg/logs')
  t.same(
    parseConfig(`${base}decision_logs: { console: true, reporting: { max_delay_seconds: 30 } }\n`, 'x.yaml').decisionLogs?.reporting,
    { minDelaySeconds: 30, maxDelaySeconds: 30, uploadSizeLimitBytes: 32768 },
    "a max below OPA's default min pulls the min down",
  )
})

t.test('decision_logs errors point at file:row:col', async (t) => {
  const base = 'bundles: { global: { resource: g } }\nauth: { mode: none }\n'
  t.same(errorsOf(`${base}decision_logs: { service: nope }\n`), ['3:27: config_error: `/decision_logs/service` names service `nope`, which is not configured'])
  t.same(errorsOf(`${base}decision_logs:\n  resource: /logs\n`), ['4:3: config_error: `/decision_logs` needs a `service` to upload to, or `console: true`'])
  t.same(errorsOf(`${base}decision_logs:\n  console: true\n  erase:\n    - /input/ok\n    - /labels/id\n`), [
    '7:7: config_error: `/decision_logs/erase/1` `/labels/id` is not a JSON pointer under `/input`, `/result` or `/nd_builtin_cache` (the parts of an event masking may change)',
  ])
  t.same(errorsOf(`${base}decision_logs:\n  console: true\n  reporting: { min_delay_seconds: 10, max_delay_seconds: 5 }\n`), [
    '5:35: config_error: `/decision_logs/reporting/min_delay_seconds` is larger than `max_delay_seconds`',
  ])
  t.ok(
    errorsOf(`${base}decision_logs:\n  console: true\n  spool: { max_bytes: lots }\n`).every((e) =>
      e.startsWith('5:23: config_error: `/decision_logs/spool/max_bytes`'),
    ),
  )
  t.same(errorsOf(`${base}decision_logs:\n  console: true\n  sppol: {}\n`), ['5:3: config_error: `/decision_logs` has unknown field `sppol`'])
})

t.test('decision_logs → DecisionLogger options: service URL + resource, bearer, ms', async (t) => {
  const { decisionLoggerOptions } = await import('../../src/decision-log/index.js')
  const c = parseConfig(
    'bundles: { global: { resource: g } }\nauth: { mode: none }\nservices: { reg: { url: "https://r/api/", credentials: { bearer: { token: tk } } } }\ndecision_logs: { service: reg, erase: [/input/x] }\n',
    '/m/meshgate.yaml',
  )
  t.same(decisionLoggerOptions(c.decisionLogs!, c.services), {
    erase: ['/input/x'],
    maxSpoolBytes: 64 * 1024 * 1024,
    fsyncIntervalMs: 1000,
    dir: '/m/.meshgate/decision-logs',
    upload: { url: 'https://r/api/logs', bearer: 'tk', uploadSizeLimitBytes: 32768, timeoutMs: 10000, minDelayMs: 300000, maxDelayMs: 600000 },
  })
})
