// A layer compiled from its folder (decision fixtures, `serve --example`)
// carries the same entrypoints `policy build` writes, so the engine takes the
// per-rule fast path for it as for a built bundle.

import t from 'tap'
import { join } from 'node:path'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { compileLayerFolder, createLayerLoader } from '../../../src/cli/test/layer-bundle.js'

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

// A loader is the only cache: two runs in one process (tests, an embedding
// tool) each see the folder as it is now, not a compile an earlier run kept.
t.test('a loader compiles a folder once; a new loader sees an edit', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-layer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'p.rego')
  await writeFile(file, 'package global.access\n\nallow := 1\n')
  const first = createLayerLoader()
  const a = first.load(dir, 'global', 1)
  t.equal(first.load(dir, 'global', 1), a, 'same spec: the same load')
  const before = (await a).bundle.wasm.get('/policy.wasm')
  await writeFile(file, 'package global.access\n\nallow := 2\n')
  t.equal((await first.load(dir, 'global', 1)).bundle.wasm.get('/policy.wasm'), before, 'the first loader keeps its compile')
  const after = (await createLayerLoader().load(dir, 'global', 1)).bundle.wasm.get('/policy.wasm')
  t.not(Buffer.compare(Buffer.from(after!), Buffer.from(before!)), 0, 'a new loader compiles the edited source')
})

t.test('the sources a failed compile read stay with the loader for the error caret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-layer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'bad.rego')
  const text = 'package global.access\n\nallow if { x }\n'
  await writeFile(file, text)
  const loader = createLayerLoader()
  await t.rejects(loader.load(dir, 'global', 1))
  t.equal([...loader.sources.values()].filter((v) => v === text).length, 1, 'the failing module is kept')
  t.equal(createLayerLoader().sources.size, 0, 'another loader starts empty')
})
