// `# METADATA` annotation blocks: a comment whose text starts with METADATA
// opens a block; the comments on the following lines (column 1, no gap) are
// its YAML. Like OPA, a block belongs to the next package or rule after it;
// its default scope is `package` before a package and `rule` before a rule.
// Package, subpackages and document scopes are listed on the module; every
// block directly above a rule is also kept on that rule.

import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { Annotations, Module } from './ast.js'
import type { Comment } from './lexer.js'
import type { ParserState } from './parser-state.js'

interface Block {
  start: number
  end: number
  yaml: string
  lines: Comment[]
}

const SCOPES: ReadonlySet<string> = new Set(['rule', 'document', 'package', 'subpackages'])

export function attachAnnotations(p: ParserState, mod: Module, comments: Comment[]): void {
  const blocks = findBlocks(p.text, comments)
  if (!blocks.length) return
  // Statements in source order: the package (if any) and every top-level rule.
  const rules = mod.rules
  let ri = 0
  for (const b of blocks) {
    const ann = parseBlock(p, b)
    if (!ann) continue
    const beforePackage = mod.packageSpan.end > mod.packageSpan.start && b.end <= mod.packageSpan.start
    if (beforePackage) {
      ann.scope ??= 'package'
      if (ann.scope !== 'package' && ann.scope !== 'subpackages') {
        p.error(b.start, `annotation scope '${ann.scope}' must be applied to rule (have package)`)
        continue
      }
      mod.annotations.push(ann)
      continue
    }
    while (ri < rules.length && rules[ri]!.span.start < b.end) ri++
    const rule = rules[ri]
    if (!rule) {
      p.error(b.start, 'annotation must be followed by a package or rule')
      continue
    }
    ann.scope ??= 'rule'
    if (ann.scope === 'package' || ann.scope === 'subpackages') {
      p.error(b.start, `annotation scope '${ann.scope}' must be applied to package`)
      continue
    }
    rule.annotations = ann
    if (ann.scope === 'document') mod.annotations.push(ann)
  }
}

function findBlocks(text: string, comments: Comment[]): Block[] {
  const blocks: Block[] = []
  let cur: Block | undefined
  let prevLineEnd = -1
  for (const c of comments) {
    const col1 = c.start === 0 || text.charCodeAt(c.start - 1) === 10
    if (cur && col1 && c.start === prevLineEnd + 1) {
      cur.lines.push(c)
      cur.yaml += c.text.replace(/^ /, '') + '\n'
      cur.end = c.end
    } else {
      cur = undefined
      if (c.text.trim().startsWith('METADATA')) {
        cur = { start: c.start, end: c.end, yaml: '', lines: [c] }
        blocks.push(cur)
      }
    }
    // The offset of the newline ending this comment's line.
    prevLineEnd = text.indexOf('\n', c.end)
    if (prevLineEnd < 0) prevLineEnd = text.length
  }
  return blocks
}

function parseBlock(p: ParserState, b: Block): Annotations | undefined {
  if (!b.yaml.trim()) {
    p.error(b.start, 'expected METADATA block, found whitespace')
    return undefined
  }
  let doc: unknown
  try {
    doc = parseYaml(b.yaml)
  } catch (e) {
    if (!(e instanceof YAMLParseError)) throw e
    // Point at the comment line the YAML error is on.
    const line = e.linePos?.[0]?.line
    const at = line !== undefined ? b.lines[Math.min(line, b.lines.length - 1)]!.start : b.start
    p.error(at, `yaml: ${e.message.split('\n')[0]}`)
    return undefined
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    p.error(b.start, 'yaml: metadata must be a mapping')
    return undefined
  }
  const ann = { ...(doc as Record<string, unknown>), span: { start: b.start, end: b.end } } as Annotations
  if (ann.scope !== undefined && (typeof ann.scope !== 'string' || !SCOPES.has(ann.scope))) {
    p.error(b.start, `invalid annotation scope '${String(ann.scope)}'`)
    return undefined
  }
  if (ann.entrypoint !== undefined && typeof ann.entrypoint !== 'boolean') {
    p.error(b.start, 'invalid annotation: entrypoint must be a boolean')
    return undefined
  }
  return ann
}
