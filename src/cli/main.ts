// The `policy` command (cli stage, entry point): finds the verb, hands it the
// remaining arguments, and turns any error that escapes into the CLI's text
// form and exit code. Verbs live in their own modules and export
// `command: CliCommand` (command.ts), listed in the static table below; each
// is imported when it runs, so `policy check` never loads fastify.

import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MeshgateError } from '../errors/index.js'
import { wantsHelp, type CliCommand } from './command.js'
import { reportError } from './report.js'

/** Verb name → its module, imported on use (the import specifiers are static, so tsc checks each exports `command`). */
const VERBS: Record<string, () => Promise<{ command: CliCommand }>> = {
  build: () => import('./build.js'),
  check: () => import('./check.js'),
  eval: () => import('./eval.js'),
  fmt: () => import('./fmt.js'),
  serve: () => import('./serve.js'),
  test: () => import('./test-cmd.js'),
  sign: () => import('./sign.js'),
  push: () => import('./push.js'),
  rollback: () => import('./rollback.js'),
  registry: () => import('./registry.js'),
}

async function loadVerb(name: string): Promise<CliCommand | undefined> {
  const load = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined
  return load ? (await load()).command : undefined
}

async function availableVerbs(): Promise<CliCommand[]> {
  const out: CliCommand[] = []
  for (const name of Object.keys(VERBS)) {
    const c = await loadVerb(name)
    if (c) out.push(c)
  }
  return out
}

async function topHelp(): Promise<string> {
  const verbs = await availableVerbs()
  const width = Math.max(...verbs.map((v) => v.name.length))
  return [
    'Usage: policy <command> [options]',
    '',
    'meshgate: Rego policies compiled to WebAssembly.',
    '',
    'Commands:',
    ...verbs.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
    '',
    "Run `policy <command> --help` for a command's options.",
    '',
  ].join('\n')
}

/** Runs the CLI with `argv` (without node and the script) and resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    const [verb, ...rest] = argv
    if (verb === undefined) {
      process.stderr.write(await topHelp())
      return 2
    }
    if (verb === '--help' || verb === '-h' || verb === 'help') {
      const target = verb === 'help' ? rest[0] : undefined
      if (target) {
        const c = await loadVerb(target)
        if (!c) throw unknownVerb(target)
        process.stdout.write(c.help)
        return 0
      }
      process.stdout.write(await topHelp())
      return 0
    }
    const command = await loadVerb(verb)
    if (!command) throw unknownVerb(verb)
    if (wantsHelp(rest)) {
      process.stdout.write(command.help)
      return 0
    }
    return await command.run(rest)
  } catch (e) {
    return reportError(e, process.stderr)
  }
}

function unknownVerb(verb: string): MeshgateError {
  return new MeshgateError('cli_usage_error', `unknown command \`${verb}\``, undefined, 'run `policy --help` for the list of commands')
}

// `node dist/src/cli/main.js …` (npm start) runs the CLI directly; bin/policy.js
// imports `run` instead.
function invokedDirectly(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  process.exitCode = await run(process.argv.slice(2))
}
