// Reads the `--capabilities` file of `policy build` and `policy check`: an
// OPA capabilities JSON document, handed to compile() as is (the compiler
// validates its shape and turns declared built-ins into host calls).

import { readFile } from 'node:fs/promises'
import { usageError } from './command.js'

export async function readCapabilities(verb: string, file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw usageError(verb, `cannot read capabilities file \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw usageError(verb, `capabilities file \`${file}\` is not valid JSON: ${(e as Error).message}`)
  }
}
