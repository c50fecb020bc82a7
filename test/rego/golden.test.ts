// Golden files: test/fixtures/rego/<name>.rego beside <name>.ast (the module
// without spans) and <name>.tokens (kind and text per token). A missing
// golden fails; REGEN=1 rewrites them (test/fixtures/golden.ts); review the
// diff.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { parseModule, tokenize } from '../../src/rego/index.js'
import { stripSpans } from './strip-spans.js'
import { matchGolden, readGolden, regenerating } from '../fixtures/golden.js'

const dir = new URL('../fixtures/rego/', import.meta.url)

for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.rego'))
  .sort()) {
  t.test(f, async (t) => {
    const src = readFileSync(new URL(f, dir), 'utf8')
    const regoVersion = /^# rego-version: 0/m.test(src) ? 0 : 1
    const ast = JSON.stringify(stripSpans(parseModule(f, src, { regoVersion })), null, 1) + '\n'
    const tokens =
      tokenize(src)
        .tokens.map((k) => `${k.kind}\t${JSON.stringify(src.slice(k.start, k.end))}`)
        .join('\n') + '\n'
    for (const [ext, got] of [
      ['.ast', ast],
      ['.tokens', tokens],
    ] as const) {
      const file = new URL(f.replace(/\.rego$/, ext), dir)
      matchGolden(t, file, got, 'test/rego/golden.test.ts')
    }
  })
}

t.test('a missing golden is reported, not written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-golden-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = pathToFileURL(join(dir, 'absent.ast'))
  t.equal(readGolden(file, 'text\n', false), undefined, 'no golden text without REGEN')
  t.notOk(existsSync(file), 'the missing file is not created')
  t.equal(readGolden(file, 'text\n', true), 'text\n', 'REGEN=1 writes it')
  t.ok(existsSync(file))
  t.notOk(regenerating({}), 'regenerating is off unless asked for')
  t.ok(regenerating({ REGEN: '1' }))
})
