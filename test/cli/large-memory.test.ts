// A module whose data segments need more than the SDK's default 5 pages of
// memory (a policy with a lot of constant text: about 600 KiB here) imports a
// larger memory; `policy test` and `policy eval` must create it that large,
// or instantiating fails with "memory import 0 is smaller than initial".
// Found by running trivy-checks' Kubernetes folder (a few hundred checks and
// the library) once the runtime's own data grew.

import t from 'tap'
import { policy, workspace } from './fixtures/run-policy.js'

const BIG = 'x'.repeat(600 * 1024)
const POLICY = `package big\n\ntext := "${BIG}"\n\nsize := count(text)\n`
const TESTS = `package big_test\n\nimport data.big\n\ntest_size if big.size == ${BIG.length}\n`

t.test('policy test runs a module that needs more than 5 pages of memory', async (t) => {
  const dir = workspace(t, { 'big.rego': POLICY, 'big_test.rego': TESTS })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /PASS: 1\/1/)
})

t.test('policy eval too', async (t) => {
  const dir = workspace(t, { 'big.rego': POLICY })
  const r = policy(['eval', '-d', 'big.rego', 'data.big.size', '--format', 'json'], dir)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, String(BIG.length))
})
