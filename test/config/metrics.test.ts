// The sidecar config's `metrics` section: `GET /metrics` is open unless
// `require_token: true`, which needs `auth` to verify the token.

import t from 'tap'
import { parseConfig } from '../../src/config/index.js'
import { CompileError } from '../../src/errors/index.js'

const JWT_AUTH = 'auth: { issuer: https://idp.test, audience: meshgate, algorithms: [RS256], jwks_url: "https://idp.test/jwks.json" }\n'
const BUNDLES = 'bundles: { global: { resource: g.tar.gz } }\n'

t.test('open by default', async (t) => {
  t.same(parseConfig(BUNDLES + JWT_AUTH, 'meshgate.yaml').metrics, { requireToken: false })
  t.same(parseConfig(`${BUNDLES}${JWT_AUTH}metrics: {}\n`, 'meshgate.yaml').metrics, { requireToken: false })
  t.same(parseConfig(`${BUNDLES}auth: { mode: none }\nmetrics: { require_token: false }\n`, 'meshgate.yaml').metrics, { requireToken: false })
})

t.test('require_token: true', async (t) => {
  t.same(parseConfig(`${BUNDLES}${JWT_AUTH}metrics:\n  require_token: true\n`, 'meshgate.yaml').metrics, { requireToken: true })
})

t.test('require_token without auth is refused, at its key', async (t) => {
  const text = `${BUNDLES}auth: { mode: none }\nmetrics:\n  require_token: true\n`
  const e = t.throws(() => parseConfig(text, 'meshgate.yaml')) as CompileError
  t.ok(e instanceof CompileError)
  t.match(e.errors, [{ code: 'config_error', message: /`\/metrics\/require_token` needs bearer tokens/, location: { file: 'meshgate.yaml', row: 4, col: 18 } }])
  t.throws(
    () => parseConfig(`${BUNDLES}metrics: { require_token: true }\n`, 'meshgate.yaml', {}, { insecureNoAuth: true }),
    { errors: [{ code: 'config_error' }] },
    '--insecure-no-auth too',
  )
})

t.test('shape', async (t) => {
  t.throws(() => parseConfig(`${BUNDLES}${JWT_AUTH}metrics: { require_token: yes please }\n`, 'meshgate.yaml'), { errors: [{ code: 'config_error' }] })
  t.throws(
    () => parseConfig(`${BUNDLES}${JWT_AUTH}metrics: { path: /prom }\n`, 'meshgate.yaml'),
    { errors: [{ code: 'config_error' }] },
    'unknown keys are refused',
  )
})
