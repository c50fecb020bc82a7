// `policy check`: parse and check Rego, report compile errors only (cli
// stage). Like `opa check`, nothing is written; the exit code says whether
// the sources compile, and `--format json` prints the same errors as
// `{ "errors": [{ code, message, location }] }` for tools. Warnings (a
// negated call whose argument may be undefined) are printed the same way
// and do not change the exit code.

import { readCapabilities } from './capabilities-file.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { loadSourceTree } from './source-tree.js'
import { parseAll } from './entrypoints.js'
import { reportError, type OutputFormat } from './report.js'
import { renderText, type ErrorDetail } from '../errors/index.js'

const help = `Usage: policy check [options] <path>...

Parse and compile Rego files (or directories walked for .rego files) and
report every compile error; nothing is written.

Options:
      --format <text|json>   how to print errors (default text: file:row:col:
                             code: message, the source line and a caret; json:
                             {"errors": [...]} on stdout)
      --capabilities <file>  an OPA capabilities JSON file declaring extra built-ins
      --v0-compatible        read the sources as Rego v0 (OPA 0.x syntax)
  -b, --bundle               accepted for compatibility with opa check
  -h, --help                 show this help

Warnings (rego_negation_undefined_arg: a term of a negated expression that
is evaluated before \`not\`, so an undefined value fails the rule) are
printed like errors (in json: "warnings") and do not fail the check.

Exit code 0 when everything compiles; otherwise the error catalog's code
(2 for Rego errors).
`

export const command: CliCommand = {
  name: 'check',
  summary: 'report compile errors in Rego sources',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('check', argv, {
    format: { type: 'string', default: 'text' },
    capabilities: { type: 'string' },
    'v0-compatible': { type: 'boolean', default: false },
    bundle: { type: 'boolean', short: 'b', default: false },
  })
  const format = values.format as string
  if (format !== 'text' && format !== 'json') throw usageError('check', `format \`${format}\` is not one of \`text\`, \`json\``)
  if (positionals.length === 0) throw usageError('check', 'no paths given: name the .rego files or directories to check')

  let sources = new Map<string, string>()
  let warnings: ErrorDetail[] = []
  try {
    const tree = await loadSourceTree(positionals)
    sources = new Map(tree.modules.map((m) => [m.path, m.source]))
    const capabilities = values.capabilities ? await readCapabilities('check', values.capabilities as string) : undefined
    if (tree.modules.length > 0) {
      const regoVersion = values['v0-compatible'] ? 0 : 1
      const parsed = parseAll(tree.modules, regoVersion)
      const { compile } = await import('../compiler.js')
      // compile() plans only what its entrypoints reach; asking for every
      // package reaches every rule, so every rule is checked.
      ;({ warnings } = await compile({
        modules: tree.modules.map((m) => ({ path: m.path, source: m.source })),
        entrypoints: [...new Set(parsed.map((m) => m.package.join('/')))],
        regoVersion,
        ...(capabilities !== undefined ? { capabilities } : {}),
      }))
    }
    // Warnings are printed and do not fail the check.
    if (format === 'json') process.stdout.write(`${JSON.stringify({ errors: [], warnings }, null, 2)}\n`)
    else {
      for (const w of warnings) {
        process.stderr.write(`${renderText(w, (file) => sources.get(file))}\n`)
        if (typeof w.details === 'string') process.stderr.write(`\t${w.details}\n`)
      }
      if (warnings.length > 1) process.stderr.write(`${warnings.length} warnings\n`)
    }
    return 0
  } catch (e) {
    return format === 'json' ? reportError(e, process.stdout, { format: 'json' }) : reportError(e, process.stderr, { sources })
  }
}
