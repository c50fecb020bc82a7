import t from 'tap'
import { CompileError } from '../../src/errors/index.js'
import { parseModule } from '../../src/rego/index.js'

t.test('metadata blocks attach to the package and the following rule', async (t) => {
  const src = `# METADATA
# title: Example
# description: the package
package example

# A plain comment.

# METADATA
# title: Allow
# entrypoint: true
# custom:
#   severity: high
allow if input.ok

# METADATA
# scope: document
# description: all deny rules
deny contains "x" if input.bad

plain := 1
`
  const m = parseModule('a.rego', src)
  t.equal(m.annotations.length, 2)
  t.match(m.annotations[0], { scope: 'package', title: 'Example', description: 'the package' })
  const allow = m.rules[0]!.annotations!
  t.match(allow, { scope: 'rule', title: 'Allow', entrypoint: true, custom: { severity: 'high' } })
  t.equal(src.slice(allow.span.start, allow.span.end).split('\n')[0], '# METADATA')
  t.match(m.rules[1]!.annotations, { scope: 'document', description: 'all deny rules' })
  t.equal(m.annotations[1], m.rules[1]!.annotations, 'document scope is also listed on the module')
  t.equal(m.rules[2]!.annotations, undefined)
})

t.test('bad metadata is a parse error at the block', async (t) => {
  const bad = (src: string) => {
    try {
      parseModule('b.rego', src)
    } catch (e) {
      if (e instanceof CompileError) return e.errors.map((d) => `${d.location?.row}:${d.location?.col} ${d.message}`)
      throw e
    }
    return []
  }
  t.match(bad('package a\n# METADATA\n# scope: galaxy\np := 1\n'), ["2:1 invalid annotation scope 'galaxy'"])
  t.match(bad('package a\n# METADATA\n# scope: package\np := 1\n'), ["2:1 annotation scope 'package' must be applied to package"])
  t.match(bad('package a\n# METADATA\n# title: [unclosed\np := 1\n'), [/^\d+:1 yaml: /])
  t.match(bad('package a\n# METADATA\np := 1\n'), ['2:1 expected METADATA block, found whitespace'])
})
