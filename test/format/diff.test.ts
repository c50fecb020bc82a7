// unifiedDiff: the `diff -u` shape `policy fmt --diff` prints.
import t from 'tap'
import { unifiedDiff } from '../../src/format/index.js'

t.test('no difference, no output', async (t) => {
  t.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'a/x', 'b/x'), '')
})

t.test('one changed line with three lines of context', async (t) => {
  const before = ['1', '2', '3', '4', 'old', '6', '7', '8', '9'].join('\n') + '\n'
  const after = before.replace('old', 'new')
  t.equal(
    unifiedDiff(before, after, 'a/x.rego', 'b/x.rego'),
    ['--- a/x.rego', '+++ b/x.rego', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-old', '+new', ' 6', ' 7', ' 8', ''].join('\n'),
  )
})

t.test('changes far apart make two hunks; near ones share one', async (t) => {
  const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`)
  const before = lines.join('\n') + '\n'
  const after = lines.map((l) => (l === 'l2' || l === 'l18' ? l.toUpperCase() : l)).join('\n') + '\n'
  const hunks = unifiedDiff(before, after, 'a', 'b')
    .split('\n')
    .filter((l) => l.startsWith('@@'))
  t.same(hunks, ['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@'])
  const near = lines.map((l) => (l === 'l5' || l === 'l10' ? `${l}!` : l)).join('\n') + '\n'
  t.equal(
    unifiedDiff(before, near, 'a', 'b')
      .split('\n')
      .filter((l) => l.startsWith('@@')).length,
    1,
  )
})

t.test('inserted and deleted lines count on their side only', async (t) => {
  t.equal(unifiedDiff('a\nc\n', 'a\nb\nc\n', 'a', 'b'), '--- a\n+++ b\n@@ -1,2 +1,3 @@\n a\n+b\n c\n')
  t.equal(unifiedDiff('a\nb\nc\n', 'a\nc\n', 'a', 'b'), '--- a\n+++ b\n@@ -1,3 +1,2 @@\n a\n-b\n c\n')
})

t.test('a missing final newline is marked', async (t) => {
  t.equal(unifiedDiff('a', 'a\n', 'a', 'b'), '--- a\n+++ b\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n')
})

t.test('the diff applies: replaying it on the old text gives the new', async (t) => {
  const before = 'package p\n\nallow if {\n  input.x==1\n}\n\n\n\nb := 2\n'
  const after = 'package p\n\nallow if {\n\tinput.x == 1\n}\n\nb := 2\n'
  t.equal(apply(before, unifiedDiff(before, after, 'a', 'b')), after)
})

t.test('a large file changed all over: a correct diff without the quadratic table', async (t) => {
  const before = Array.from({ length: 3000 }, (_, i) => `  line ${i}`).join('\n') + '\n'
  const after = before.replace(/^  /gm, '\t')
  const diff = unifiedDiff(before, after, 'a', 'b')
  t.equal(apply(before, diff), after)
  t.equal(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length, 3000)
})

/** A minimal patch: hunks in order, context and deletions checked against the old text. */
function apply(text: string, diff: string): string {
  const old = text.split('\n')
  const out: string[] = []
  let at = 0
  const lines = diff.split('\n')
  for (let i = 2; i < lines.length; i++) {
    const m = /^@@ -(\d+)/.exec(lines[i]!)
    if (!m) continue
    const start = Number(m[1]) - 1
    while (at < start) out.push(old[at++]!)
    for (i++; i < lines.length && !lines[i]!.startsWith('@@'); i++) {
      const l = lines[i]!
      if (l.startsWith('+')) out.push(l.slice(1))
      else if (l.startsWith('-') || l.startsWith(' ')) {
        if (old[at] !== l.slice(1)) throw new Error(`context mismatch at ${at}: ${l}`)
        if (l.startsWith(' ')) out.push(old[at]!)
        at++
      }
    }
    i--
  }
  while (at < old.length) out.push(old[at++]!)
  return out.join('\n')
}
