// A unified diff of two texts, line by line (format stage, for
// `policy fmt --diff`): the `--- a`/`+++ b` header and `@@` hunks with three
// lines of context, as `diff -u` prints them. The line matching is a
// longest common subsequence, after trimming the common head and tail.

const CONTEXT = 3
/** Cells of the line-matching table (4 bytes each) before the diff stops looking for common lines. */
const MAX_CELLS = 4_000_000

type Op = { kind: ' ' | '-' | '+'; line: Line; a: number; b: number }

export function unifiedDiff(before: string, after: string, fromName: string, toName: string): string {
  if (before === after) return ''
  const a = splitLines(before)
  const b = splitLines(after)
  const ops = diffLines(a, b)
  const out = [`--- ${fromName}\n`, `+++ ${toName}\n`]
  // Hunks: runs of changes with up to CONTEXT unchanged lines around them.
  let i = 0
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++
    if (i >= ops.length) break
    let start = Math.max(0, i - CONTEXT)
    let end = i
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++
      let k = end
      while (k < ops.length && ops[k]!.kind === ' ' && k - end < 2 * CONTEXT) k++
      if (k < ops.length && ops[k]!.kind !== ' ' && k - end <= 2 * CONTEXT) {
        end = k
        continue
      }
      end = Math.min(ops.length, end + CONTEXT)
      break
    }
    const hunk = ops.slice(start, end)
    const aLines = hunk.filter((o) => o.kind !== '+').length
    const bLines = hunk.filter((o) => o.kind !== '-').length
    const aStart = aLines ? hunk.find((o) => o.kind !== '+')!.a + 1 : hunk[0]!.a
    const bStart = bLines ? hunk.find((o) => o.kind !== '-')!.b + 1 : hunk[0]!.b
    out.push(`@@ -${range(aStart, aLines)} +${range(bStart, bLines)} @@\n`)
    for (const o of hunk) out.push(`${o.kind}${o.line.text}\n${o.line.eol ? '' : '\\ No newline at end of file\n'}`)
    i = end
    start = end
  }
  return out.join('')
}

function range(start: number, n: number): string {
  return n === 1 ? `${start}` : `${start},${n}`
}

interface Line {
  text: string
  eol: boolean
}

function splitLines(s: string): Line[] {
  if (s === '') return []
  const parts = s.split('\n')
  const last = parts.pop()!
  const lines = parts.map((text) => ({ text, eol: true }))
  if (last !== '') lines.push({ text: last, eol: false })
  return lines
}

function same(x: Line, y: Line): boolean {
  return x.text === y.text && x.eol === y.eol
}

function diffLines(a: Line[], b: Line[]): Op[] {
  let head = 0
  while (head < a.length && head < b.length && same(a[head]!, b[head]!)) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && same(a[a.length - 1 - tail]!, b[b.length - 1 - tail]!)) tail++
  const am = a.slice(head, a.length - tail)
  const bm = b.slice(head, b.length - tail)
  const n = am.length
  const m = bm.length
  // The table grows as n·m: past a bound (a large file changed all over)
  // the middle is shown as one block removed and one added, still a
  // correct diff, rather than spending memory on a minimal one.
  const lcs = n * m <= MAX_CELLS ? new Uint32Array((n + 1) * (m + 1)) : new Uint32Array(0)
  // lcs[i][j]: length of the longest common subsequence of am[i..] and bm[j..].
  for (let i = lcs.length ? n - 1 : -1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = same(am[i]!, bm[j]!) ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!)
    }
  }
  const ops: Op[] = []
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k })
  let i = 0
  let j = 0
  const table = lcs.length > 0
  while (i < n || j < m) {
    if (!table) {
      if (i < n) ops.push({ kind: '-', line: am[i++]!, a: head + i - 1, b: head + j })
      else ops.push({ kind: '+', line: bm[j++]!, a: head + i, b: head + j - 1 })
      continue
    }
    if (i < n && j < m && same(am[i]!, bm[j]!)) {
      ops.push({ kind: ' ', line: am[i]!, a: head + i, b: head + j })
      i++
      j++
    } else if (i < n && (j >= m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      ops.push({ kind: '-', line: am[i]!, a: head + i, b: head + j })
      i++
    } else {
      ops.push({ kind: '+', line: bm[j]!, a: head + i, b: head + j })
      j++
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: ' ', line: a[a.length - tail + k]!, a: a.length - tail + k, b: b.length - tail + k })
  return ops
}
