// Serving without authentication is a choice the operator makes and the
// sidecar announces: `auth: { mode: none }` logs a warning at start and
// decides every request as the anonymous subject; a configured `auth`
// refuses a request without a token.

import t from 'tap'
import { parseConfig } from '../../src/config/index.js'
import { buildApp, NO_AUTH_WARNING } from '../../src/server/index.js'

async function appWith(authYaml: string) {
  const logged: { level: number; msg: string; via?: string }[] = []
  const inputs: unknown[] = []
  // The route asks `accessNow` (an answer, or a promise of one).
  const accessNow = (input: unknown) => {
    inputs.push(input)
    return {
      value: { allow: false, deny: [], allowed_by: [], message: 'no layer allows the request (default deny)', layers: [] },
      revisions: {},
      cached: false,
    }
  }
  const engine = {
    accessNow,
    access: async (input: unknown) => accessNow(input),
    ready: true,
    layers: [],
  } as any
  const app = await buildApp({
    engine,
    config: parseConfig(`bundles: { global: { resource: g } }\n${authYaml}`, 'meshgate.yaml', {}),
    logger: { level: 'warn', stream: { write: (l: string) => logged.push(JSON.parse(l)) } } as any,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { app, logged, inputs, url: `http://127.0.0.1:${port}` }
}

t.test('auth: { mode: none } warns in the log and decides as the anonymous subject', async (t) => {
  const { app, logged, inputs, url } = await appWith('auth: { mode: none }\n')
  t.teardown(() => app.close())
  t.match(logged, [{ level: 40, msg: NO_AUTH_WARNING, via: 'auth.mode: none' }], 'one warning at start')
  t.match(NO_AUTH_WARNING, /^AUTHENTICATION IS OFF/)
  const r = await fetch(`${url}/v1/decisions/access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"port":"p"}' })
  t.equal(r.status, 200)
  t.match(inputs, [{ subject: {}, port: 'p' }])
})

t.test('a configured auth: no warning, and a request without a token is refused', async (t) => {
  const { app, logged, inputs, url } = await appWith('auth: { issuer: i, audience: a, algorithms: [RS256], jwks_url: "http://127.0.0.1:9/jwks.json" }\n')
  t.teardown(() => app.close())
  t.notOk(logged.some((l) => l.msg === NO_AUTH_WARNING))
  const r = await fetch(`${url}/v1/decisions/access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"port":"p"}' })
  t.equal(r.status, 401)
  t.equal(inputs.length, 0, 'no decision was asked for')
})
