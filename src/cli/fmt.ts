// `policy fmt`: canonical formatting of Rego files, `opa fmt`'s job (cli
// stage, a thin caller of format/). Paths are files or directories walked
// for `.rego` files; with none, stdin is formatted to stdout. `--list`,
// `--diff` and `--write` combine (as gofmt's flags do); without any of
// them the formatted text is printed. A file is rewritten only when its
// formatting changes, through a temporary file renamed into place.

import { randomBytes } from 'node:crypto'
import { readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { CompileError, MeshgateError, type ErrorDetail } from '../errors/index.js'
import { formatSource, unifiedDiff } from '../format/index.js'
import { parseVerbArgs, type CliCommand } from './command.js'
import { reportError } from './report.js'

const help = `Usage: policy fmt [options] [<path>...]

Format Rego files (or directories walked for .rego files) the way opa fmt
does. Without a path, formats stdin to stdout.

Options:
  -l, --list            print the name of each file whose formatting differs
  -d, --diff            print a unified diff of each file that would change
  -w, --write           rewrite each file that would change, in place
      --fail            exit 1 when any file would change
      --v0-compatible   read and write the sources as Rego v0 (OPA 0.x syntax)
  -h, --help            show this help

Without --list, --diff or --write, the formatted text is printed to stdout.
Exit code 0; 1 with --fail when something would change; 2 when a file does
not parse (file:row:col: rego_parse_error: message) or cannot be read.
`

export const command: CliCommand = {
  name: 'fmt',
  summary: 'format Rego sources canonically (as opa fmt)',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('fmt', argv, {
    list: { type: 'boolean', short: 'l', default: false },
    diff: { type: 'boolean', short: 'd', default: false },
    write: { type: 'boolean', short: 'w', default: false },
    fail: { type: 'boolean', default: false },
    'v0-compatible': { type: 'boolean', default: false },
  })
  const regoVersion = values['v0-compatible'] ? 0 : 1
  const list = values.list as boolean
  const diff = values.diff as boolean
  const write = values.write as boolean

  if (positionals.length === 0) {
    const text = await readStdin()
    try {
      const out = formatSource('stdin', text, { regoVersion })
      if (list && out !== text) process.stdout.write('stdin\n')
      if (diff) process.stdout.write(unifiedDiff(text, out, 'a/stdin', 'b/stdin'))
      if (!list && !diff) process.stdout.write(out)
      return values.fail && out !== text ? 1 : 0
    } catch (e) {
      return reportError(e, process.stderr, { sources: new Map([['stdin', text]]) })
    }
  }

  const files = await regoFiles(positionals)
  const failures: ErrorDetail[] = []
  const sources = new Map<string, string>()
  let changed = 0
  for (const file of files) {
    try {
      const text = await readText(file)
      sources.set(file, text)
      const out = formatSource(file, text, { regoVersion })
      if (out !== text) changed++
      if (list && out !== text) process.stdout.write(`${file}\n`)
      if (diff) process.stdout.write(unifiedDiff(text, out, `a/${file}`, `b/${file}`))
      if (write && out !== text) await replaceFile(file, out)
      if (!list && !diff && !write) process.stdout.write(out)
    } catch (e) {
      // One broken file does not stop the others from being formatted.
      if (e instanceof CompileError) failures.push(...e.errors)
      else if (e instanceof MeshgateError) failures.push(e)
      else throw e
    }
  }
  if (failures.length) return reportError(new CompileError(failures), process.stderr, { sources })
  return values.fail && changed > 0 ? 1 : 0
}

/** Every `.rego` file named or found under a named directory (hidden entries skipped), each once, in order. */
async function regoFiles(paths: string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
      throw ioError(display(dir, cwd), e, 'read')
    })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue
      const full = join(dir, ent.name)
      if (ent.isDirectory()) await walk(full)
      else if (ent.isFile() && ent.name.endsWith('.rego')) out.push(display(full, cwd))
    }
  }
  for (const p of paths) {
    const abs = resolve(cwd, p)
    const info = await stat(abs).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new MeshgateError('cli_usage_error', `\`${p}\` does not exist`)
      throw ioError(p, e, 'read')
    })
    if (info.isDirectory()) await walk(abs)
    else out.push(display(abs, cwd))
  }
  return [...new Set(out)]
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw ioError(file, e, 'read')
  }
}

/**
 * Write beside the file, then rename over it: a reader sees the old text or
 * the new, never half. A symlink is followed, so the link stays a link.
 */
async function replaceFile(file: string, text: string): Promise<void> {
  let tmp: string | undefined
  try {
    const target = await realpath(file)
    tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
    const { mode } = await stat(target)
    await writeFile(tmp, text, { mode })
    await rename(tmp, target)
  } catch (e) {
    if (tmp) await rm(tmp, { force: true })
    throw ioError(file, e, 'write')
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function ioError(shown: string, e: unknown, what: 'read' | 'write'): MeshgateError {
  return new MeshgateError('io_error', `cannot ${what} \`${shown}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
}

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  const shown = rel === '' ? '.' : rel.startsWith('..') ? file : rel
  return sep === '/' ? shown : shown.split(sep).join('/')
}
