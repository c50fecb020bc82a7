// Auth keys at start-up: a JWKS URL that cannot be reached yet (the identity
// provider starts after the sidecar) is fetched again in the background;
// until then requests that need a token answer 503 auth_unavailable, the
// readiness check says why and liveness stays 200. A real JWKS server on
// 127.0.0.1 starts late, on a port reserved beforehand. A JWKS file that does
// not exist stops the start instead.

import t from 'tap'
import { parseConfig } from '../../src/config/index.js'
import { startSidecar } from '../../src/server/index.js'
import { startJwks, startTestSidecar, type Jwks } from '../fixtures/server/sidecar.js'
import { waitFor } from '../fixtures/wait/until.js'
import { freePort } from '../fixtures/server/free-port.js'

t.test('a JWKS URL that answers late: 503 auth_unavailable until it does, then tokens verify', async (t) => {
  const keys = await startJwks() // only for its key pair and minting; the sidecar never asks it
  t.teardown(() => keys.close())
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/jwks.json`
  const sc = await startTestSidecar({ url } as Jwks)
  t.teardown(() => sc.close())
  const token = await keys.mint({ sub: 'ann', realm: { roles: ['analyst'] } })
  const decide = () =>
    fetch(`${sc.base}/v1/decisions/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"port":"orders-v1"}',
    })

  const before = await decide()
  t.equal(before.status, 503, 'no keys yet: 503, not 401 (the token is not at fault)')
  const body = (await before.json()) as { code: string; message: string }
  t.equal(body.code, 'auth_unavailable')
  t.match(body.message, new RegExp(`\`${url.replace(/[.]/g, '\\.')}\` cannot be fetched`))
  t.match(body.message, /ECONNREFUSED/, 'the message says why')
  const fa = await fetch(`${sc.base}/v1/forward-auth?port=orders-v1`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(fa.status, 503, 'forward auth refuses too (the gateway turns it into a refusal)')
  t.equal((await fetch(`${sc.base}/health`)).status, 200, 'liveness stays 200')
  const ready = await fetch(`${sc.base}/health?bundles`)
  t.equal(ready.status, 500, 'not ready')
  t.match(await ready.json(), { error: /bearer tokens cannot be verified yet/, auth: { code: 'auth_unavailable', message: /ECONNREFUSED/, attempts: Number } })
  const plugins = (await (await fetch(`${sc.base}/health?plugins`)).json()) as {
    bundles?: Record<string, { code?: string; active_revision?: string }>
    plugins?: { bundle?: { state?: string } }
  }
  t.notOk(
    Object.values(plugins.bundles ?? {}).some((b) => b.code !== undefined || b.active_revision === undefined),
    'the bundles themselves are fine',
  )
  t.equal(plugins.plugins?.bundle?.state, 'OK')
  const data = await fetch(`${sc.base}/v1/data/global/limits`)
  t.equal(data.status, 200, 'the Data API needs no token and keeps serving')

  // The identity provider comes up, with the same keys, on the configured port.
  const late = await startJwks({ port, keys })
  t.teardown(() => late.close())
  await waitFor('health to answer 200 once the JWKS answered', async () => (await fetch(`${sc.base}/health?bundles`)).status === 200, 20_000)
  const ok = await decide()
  t.equal(ok.status, 200)
  t.equal(((await ok.json()) as { allow: boolean }).allow, true, 'the token verifies with the late keys')
})

t.test('a JWKS file that does not exist stops the start with config_error', async (t) => {
  const config = parseConfig(
    [
      'server: { addr: "127.0.0.1:0" }',
      'bundles: { global: { resource: nowhere.tar.gz } }',
      'auth: { issuer: i, audience: a, algorithms: [RS256], jwks_file: /nonexistent/jwks.json }',
      '',
    ].join('\n'),
  )
  await t.rejects(startSidecar(config, { logger: false }), { code: 'config_error', message: /`\/nonexistent\/jwks\.json`/ })
})
