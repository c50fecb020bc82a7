// The shape every `policy` verb shares (cli stage): a name, a one-line
// summary for `policy --help`, the verb's own help text, and `run`, which
// takes the arguments after the verb and resolves to the process exit code.
// Verbs throw MeshgateError for bad input; main.ts renders it and picks the
// exit code from the error catalog, so verbs stay thin.

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { MeshgateError } from '../errors/index.js'

export interface CliCommand {
  name: string
  summary: string
  /** Full help text printed by `policy <verb> --help`. */
  help: string
  run(argv: string[]): Promise<number>
}

type Options = NonNullable<ParseArgsConfig['options']>

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>
  positionals: string[]
}

/**
 * node:util's parseArgs in strict mode, with its errors turned into
 * `cli_usage_error` (exit 2) naming the verb, so a typo never shows a stack.
 */
export function parseVerbArgs(verb: string, argv: string[], options: Options): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    return { values: values as ParsedArgs['values'], positionals }
  } catch (e) {
    const message = (e as Error).message
      .split('\n')[0]!
      .split('. ')[0]!
      .replace(/^./, (c) => c.toLowerCase())
    throw usageError(verb, message)
  }
}

export function usageError(verb: string, message: string): MeshgateError {
  return new MeshgateError('cli_usage_error', message, undefined, `run \`policy ${verb} --help\` for usage`)
}

/** True when the user asked for help anywhere before a `--`. */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false
    if (a === '--help' || a === '-h') return true
  }
  return false
}
