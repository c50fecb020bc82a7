// Golden files: test/fixtures/rego/<name>.rego beside <name>.ast (the module
// without spans) and <name>.tokens (kind and text per token). REGEN=1
// rewrites them; review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { parseModule, tokenize } from '../../src/rego/index.js'
import { stripSpans } from './strip-spans.js'

const dir = new URL('../fixtures/rego/', import.meta.url)
const regen = process.env.REGEN === '1'

for (const f of readdirSync(dir).filter((x) => x.endsWith('.rego')).sort()) {
  t.test(f, async (t) => {
    const src = readFileSync(new URL(f, dir), 'utf8')
    const regoVersion = /^# rego-version: 0/m.test(src) ? 0 : 1
    const ast = JSON.stringify(stripSpans(parseModule(f, src, { regoVersion })), null, 1) + '\n'
    const tokens = tokenize(src).tokens.map((k) => `${k.kind}\t${JSON.stringify(src.slice(k.start, k.end))}`).join('\n') + '\n'
    for (const [ext, got] of [['.ast', ast], ['.tokens', tokens]] as const) {
      const file = new URL(f.replace(/\.rego$/, ext), dir)
      if (regen || !existsSync(file)) writeFileSync(file, got)
      t.equal(got, readFileSync(file, 'utf8'), `${f.replace(/\.rego$/, ext)} matches`)
    }
  })
}
