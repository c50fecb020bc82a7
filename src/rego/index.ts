// Public surface of rego/: source text → tokens → AST. Later stages
// (check/, plan/) read the AST types from here.

export type * from './ast.js'
export { tokenize, tokenName, type Token, type TokenKind, type Comment, type LexResult } from './lexer.js'
export { parseModule, type ParseOptions } from './parse-module.js'

import type { Body } from './ast.js'
import { parseBodyText } from './parse-module.js'

/** Parse a query (`data.x.y = z`, `x := 1; y = 2`) as one body. Throws CompileError. */
export function parseBody(text: string, path?: string): Body {
  return parseBodyText(text, path)
}
