// `policy eval`: ask a question of policies and data while writing them
// (cli stage: flags in, read the paths as `test` reads them, compile the
// query with them, evaluate once, print). The common use of `opa eval`:
// `-d` files, folders or bundles, `-i` an input document, a query that is a
// ref (`data.authz.allow`) or any Rego body (`x := data.roles[_]; x != "a"`),
// and OPA's output shapes (`--format json|pretty`).
//
// The module has no query API, so the query becomes a rule (query.ts): a
// partial set of [expression values, bindings], one element per solution,
// compiled with the sources as an entrypoint. Compile errors are `build`'s
// (file:row:col, exit 2), the query's own located in `<query>` at the row and
// column the user typed.

import { readFile } from 'node:fs/promises'
import { CompileError, MeshgateError } from '../errors/index.js'
import { readCapabilities } from './capabilities-file.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { parseAll } from './entrypoints.js'
import { formatJson, formatPretty, type EvalResult } from './eval/output.js'
import { QUERY_FILE, queryRule, readSolutions } from './eval/query.js'
import { reportError } from './report.js'
import { loadSourceTree } from './source-tree.js'
import { watchAndRerun } from './watch.js'
import { parse as parseYaml } from 'yaml'
import { sdkMemory } from '../engine/memory-import.js'

const help = `Usage: policy eval [options] <query>

Evaluate a Rego query against policies and data, as \`opa eval\` does.

The query is a ref (data.authz.allow) or a Rego body: expressions separated
by ; or newlines (x := data.roles[_]; startswith(x, "admin")). Each solution
is one result, with the value of every expression and the query's variables.

Options:
  -d, --data <path>          a .rego file, a data.json/data.yaml file, a folder
                             walked for both, or a bundle .tar.gz (repeatable)
  -b, --bundle <path>        a bundle folder or .tar.gz (repeatable; the same as -d)
  -i, --input <file>         the input document (JSON or YAML)
  -f, --format <f>           json (default; the shape of opa eval --format json)
                             or pretty (values, or a table with bindings)
      --v0-compatible        read the sources and the query as Rego v0
      --capabilities <file>  an OPA capabilities JSON file: declared built-ins
                             compile to host calls
      --strict-builtin-errors
                             a built-in error fails the evaluation (OPA's flag;
                             by default the expression is undefined, as in OPA)
      --fail                 exit 1 when the result is undefined (OPA's flag)
      --fail-defined         exit 1 when the result is defined (OPA's flag)
  -w, --watch                evaluate again on every change under the -d/-b
                             paths and the input file, until Ctrl-C
  -h, --help                 show this help

Exit code 0 on an answer (even undefined, unless --fail), 1 on an evaluation
error or the --fail/--fail-defined condition, 2 on bad input: the sources or
the query do not compile, a file is missing or malformed.
`

export const command: CliCommand = { name: 'eval', summary: 'evaluate a Rego query against policies and data', help, run }

type Format = 'json' | 'pretty'
const FORMATS: readonly Format[] = ['json', 'pretty']

async function run(argv: string[]): Promise<number> {
  const watching = argv.some((a) => a === '--watch' || a === '-w')
  const rest = argv.filter((a) => a !== '--watch' && a !== '-w')
  const { values, positionals } = parseVerbArgs('eval', rest, {
    data: { type: 'string', short: 'd', multiple: true, default: [] },
    bundle: { type: 'string', short: 'b', multiple: true, default: [] },
    input: { type: 'string', short: 'i' },
    format: { type: 'string', short: 'f', default: 'json' },
    'v0-compatible': { type: 'boolean', default: false },
    capabilities: { type: 'string' },
    'strict-builtin-errors': { type: 'boolean', default: false },
    fail: { type: 'boolean', default: false },
    'fail-defined': { type: 'boolean', default: false },
  })
  const format = values.format as Format
  if (!FORMATS.includes(format)) throw usageError('eval', `format \`${format}\` is not one of ${FORMATS.map((f) => `\`${f}\``).join(', ')}`)
  if (positionals.length !== 1) {
    throw usageError(
      'eval',
      positionals.length === 0
        ? 'no query given: write it after the options, e.g. `policy eval -d . data.authz.allow`'
        : `one query expected, got ${positionals.length}: quote the query (\`'x := 1; x > 0'\`)`,
    )
  }
  if (values.fail && values['fail-defined']) throw usageError('eval', '`--fail` and `--fail-defined` contradict each other; give one')
  const paths = [...(values.data as string[]), ...(values.bundle as string[])]
  const inputFile = values.input as string | undefined
  if (watching) return watchAndRerun({ verb: 'eval', args: rest, paths: [...paths, ...(inputFile ? [inputFile] : [])] })

  const query = positionals[0]!
  const regoVersion = values['v0-compatible'] ? 0 : 1
  const sources = new Map<string, string>([[QUERY_FILE, query]])
  try {
    const tree = paths.length ? await loadSourceTree(paths, process.cwd(), { bundle: false }) : { modules: [], data: {} }
    for (const m of tree.modules) sources.set(m.path, m.source)
    const input = inputFile !== undefined ? await readInput(inputFile) : undefined
    const parsed = parseAll(tree.modules, regoVersion)
    const rule = queryRule(query, regoVersion, new Set(parsed.map((m) => m.package.join('.'))))
    const capabilities = values.capabilities ? await readCapabilities('eval', values.capabilities as string) : undefined
    const { compile, hostBuiltins } = await import('../compiler.js')
    let compiled
    try {
      compiled = await compile({
        modules: [...tree.modules.map((m) => ({ path: m.path, source: m.source })), { path: rule.path, source: rule.source }],
        entrypoints: [rule.entrypoint],
        regoVersion,
        strictBuiltinErrors: values['strict-builtin-errors'] as boolean,
        ...(capabilities !== undefined ? { capabilities } : {}),
      })
    } catch (e) {
      throw e instanceof CompileError ? new CompileError(rule.errors(e.errors)) : e
    }
    const { loadPolicy } = await import('@open-policy-agent/opa-wasm')
    const policy = await loadPolicy(compiled.wasm, sdkMemory(compiled.wasm), { ...hostBuiltins, ...compiled.hostBuiltins })
    policy.setData(tree.data)
    let raw: unknown
    try {
      raw = (policy.evaluate(input, compiled.entrypoints[rule.entrypoint]) as { result: unknown }[])[0]?.result
    } catch (e) {
      // in-module aborts (strict built-in errors, conflicts) reach here as the SDK's thrown string
      const text = e instanceof Error ? e.message : String(e)
      throw new MeshgateError('eval_error', text.split('\n')[0] ?? text)
    }
    const results: EvalResult[] = readSolutions(raw, rule)
    process.stdout.write(format === 'json' ? formatJson(results) : formatPretty(results))
    if (values.fail && results.length === 0) return 1
    if (values['fail-defined'] && results.length > 0) return 1
    return 0
  } catch (e) {
    return reportError(e, process.stderr, { sources })
  }
}

/** The input document: JSON, or YAML (a superset) when it is not JSON. */
async function readInput(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new MeshgateError('cli_usage_error', `input file \`${file}\` does not exist`)
    throw new MeshgateError('io_error', `cannot read \`${file}\`: ${code ?? (e as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    try {
      return parseYaml(text)
    } catch (e) {
      throw new MeshgateError('cli_usage_error', `input file \`${file}\` is neither JSON nor YAML: ${(e as Error).message.split('\n')[0]}`)
    }
  }
}
