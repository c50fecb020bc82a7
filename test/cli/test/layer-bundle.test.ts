// A layer compiled from its folder (decision fixtures, `serve --example`)
// carries the same entrypoints `policy build` writes, so the engine takes the
// per-rule fast path for it as for a built bundle.

import t from 'tap'
import { join } from 'node:path'
import { compileLayerFolder } from '../../../src/cli/test/layer-bundle.js'

const root = join(import.meta.dirname, '..', '..', '..')

t.test('the example global layer exports its packages and each decision rule', async (t) => {
  const { bundle } = await compileLayerFolder(join(root, 'policies', 'global'), 'global', 1)
  const eps = (bundle.manifest.wasm ?? []).map((w) => w.entrypoint)
  for (const ep of ['global/access', 'global/access/allow', 'global/access/deny']) t.ok(eps.includes(ep), ep)
  t.notOk(
    eps.some((e) => e.includes('_test')),
    'no test package',
  )
})
