// The package a `.rego` file in a bundle declares, read with the Rego lexer
// (so comments and strings cannot fake one). Bundles carry their sources for
// people; the registry and the sidecar read their packages for scope checks.

import { MeshgateError } from '../errors/index.js'
import { tokenize } from '../rego/index.js'

/**
 * The package of a Rego source, read with the Rego lexer (so comments and
 * strings cannot fake one): `package` then a ref up to the end of the line.
 */
export function packageOf(path: string, source: string): string[] {
  const { tokens } = tokenize(source)
  const bad = () => new MeshgateError('bundle_format_error', `\`${path}\` does not start with a package clause`)
  if (tokens[0]?.kind !== 'ident' || tokens[0].value !== 'package') throw bad()
  const segs: string[] = []
  let i = 1
  if (tokens[i]?.kind !== 'ident') throw bad()
  segs.push(tokens[i++]!.value)
  for (;;) {
    const t = tokens[i]
    if (!t || t.kind === 'eof' || t.nl) break
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
    throw bad()
  }
  // `package data.x` is legal and means the same as `package x`.
  return segs[0] === 'data' && segs.length > 1 ? segs.slice(1) : segs
}
