// `validate.tests: true`: a bundle's own Rego tests run at publish; a bundle
// whose tests fail (or do not compile) is refused and never served, one whose
// tests pass (or that carries none) is published.

import t from 'tap'
import { bundle, governance, GLOBAL_EPS, KEYS, put, startTestRegistry } from '../fixtures/registry/harness.js'

const POLICY = 'package global.access\n\nallow if input.role == "analyst"\n'
const test = (expect: string) => `package global.access_test\n\nimport data.global.access\n\ntest_analyst if ${expect} with input as {"role": "analyst"}\n`

const withSources = (revision: string, sources: Record<string, string>) =>
  bundle({ roots: ['global'], revision, exports: GLOBAL_EPS, sources, sign: { key: KEYS.global, kid: 'global' } })

t.test("the bundle's own tests decide the publish", async (t) => {
  const reg = await startTestRegistry(t, { extra: 'validate: { tests: true, tests_timeout_seconds: 60 }\n' })
  const ok = await put(
    reg.url,
    'global',
    await withSources('passing', { 'global/access.rego': POLICY, 'global/access_test.rego': test('access.allow') }),
    await governance(),
  )
  t.equal(ok.status, 201, 'passing tests: published')

  const bad = await put(
    reg.url,
    'global',
    await withSources('failing', { 'global/access.rego': POLICY, 'global/access_test.rego': test('not access.allow') }),
    await governance(),
  )
  t.equal(bad.status, 400)
  const body = (await bad.json()) as { code: string; message: string }
  t.equal(body.code, 'bundle_tests_failed')
  t.match(body.message, /its own tests did not pass/)
  const served = await fetch(`${reg.url}/v1/bundles/global/revisions`)
  t.notMatch(await served.text(), /failing/, 'the refused revision is not in the history')

  const broken = await put(
    reg.url,
    'global',
    await withSources('broken', { 'global/access.rego': POLICY, 'global/access_test.rego': 'package global.access_test\n\ntest_x if {\n' }),
    await governance(),
  )
  t.match(await broken.json(), { code: 'bundle_tests_failed' }, 'tests that do not compile refuse it too')

  const none = await put(reg.url, 'global', await withSources('no-tests', { 'global/access.rego': POLICY }), await governance())
  t.equal(none.status, 201, 'a bundle with no tests has nothing to run')
})
