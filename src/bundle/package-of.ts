// The package a `.rego` file in a bundle declares, read with the Rego lexer
// (so comments and strings cannot fake one). Bundles carry their sources for
// people; the registry and the sidecar read their packages for scope checks.

import { MeshgateError } from '../errors/index.js'
import { tokenize, type Token } from '../rego/index.js'

/**
 * How much of a source is lexed first. The package clause comes before any
 * rule (only comments may precede it), and a bundle may carry megabytes of
 * Rego after it: lexing all of it to read one line cost a 20× domain bundle
 * ~90 ms and its tokens' memory per activation (issue 13).
 */
const PREFIX_CHARS = 4096

/**
 * The package of a Rego source, read with the Rego lexer (so comments and
 * strings cannot fake one): `package` then a ref up to the end of the line.
 */
export function packageOf(path: string, source: string): string[] {
  // The first lines, up to a line break: lexed alone they give the tokens the
  // whole text gives there (a token spanning the break, a raw string, shows
  // as unfinished, and nothing before the clause can be one). Only when they
  // settle the answer is it taken; otherwise, and for every error, the whole
  // text is read.
  const cut = source.length > PREFIX_CHARS ? source.indexOf('\n', PREFIX_CHARS) : -1
  if (cut >= 0) {
    const early = readPackage(tokenize(source.slice(0, cut + 1)).tokens, true)
    if (early) return early
  }
  const segs = readPackage(tokenize(source).tokens, false)
  if (!segs) throw new MeshgateError('bundle_format_error', `\`${path}\` does not start with a package clause`)
  return segs
}

/**
 * The package's segments, or undefined for no package clause. With
 * `prefix`, undefined also when the tokens end (at the prefix's end) before
 * the clause does: the rest of the text decides.
 */
function readPackage(tokens: Token[], prefix: boolean): string[] | undefined {
  if (tokens[0]?.kind !== 'ident' || tokens[0].value !== 'package') return undefined
  const segs: string[] = []
  let i = 1
  if (tokens[i]?.kind !== 'ident') return undefined
  segs.push(tokens[i++]!.value)
  for (;;) {
    const t = tokens[i]
    if (!t || t.kind === 'eof') {
      if (prefix) return undefined
      break
    }
    if (t.nl) break
    if (t.kind === '.' && tokens[i + 1]?.kind === 'ident' && !tokens[i + 1]!.ws) {
      segs.push(tokens[i + 1]!.value)
      i += 2
      continue
    }
    if (t.kind === '[' && tokens[i + 1]?.kind === 'string' && tokens[i + 2]?.kind === ']') {
      segs.push(tokens[i + 1]!.value)
      i += 3
      continue
    }
    return undefined
  }
  // `package data.x` is legal and means the same as `package x`.
  return segs[0] === 'data' && segs.length > 1 ? segs.slice(1) : segs
}
