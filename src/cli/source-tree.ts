// Reads the files `policy build` and `policy check` are pointed at (cli
// stage, before compile): `.rego` modules, `data.json`/`data.yaml` documents
// placed at the data path of their directory (as OPA's loader does: a file
// at `<root>/a/b/data.json` becomes `data.a.b`), and a `.manifest` at the top
// of a directory, whose roots bound what the bundle may write.
//
// Every file keeps two names: `path`, as the user would type it (relative to
// the working directory, so errors point at a file they can open), and
// `bundlePath`, relative to the directory it was found under (its place
// inside the bundle).

import { readFile, readdir, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { MeshgateError } from '../errors/index.js'
import { parseManifest, placeData, isDataFile, readBundle, type Manifest } from '../bundle/index.js'

export interface SourceModule {
  path: string
  bundlePath: string
  source: string
}

export interface SourceTree {
  modules: SourceModule[]
  /** Data merged from every data file, placed by directory. */
  data: Record<string, unknown>
  /** Each data file read: its path, where it is placed, and its document (for roots errors). */
  dataFiles: { path: string; at: string[]; doc: unknown }[]
  /** The `.manifest` found at the top of a directory argument, if any. */
  manifest?: Manifest
  manifestPath?: string
}

export interface SourceTreeOptions {
  /**
   * Whether the files become one bundle (`build`): two files that would be
   * stored at one bundle path are refused. `test` and `eval` load files as
   * `opa test` does, by their own paths: `a/x_test.rego` and `b/x_test.rego`
   * are two modules, and a file named twice is read once.
   */
  bundle?: boolean
}

/** An OPA bundle file (`policy build`'s output, or OPA's): read for its Rego sources and data. */
const BUNDLE_FILE = /\.(tar\.gz|tgz)$/i

export async function loadSourceTree(paths: string[], cwd = process.cwd(), options: SourceTreeOptions = {}): Promise<SourceTree> {
  const tree: SourceTree = { modules: [], data: {}, dataFiles: [] }
  for (const p of paths) {
    const abs = resolve(cwd, p)
    const info = await statOrThrow(abs, p)
    if (info.isDirectory()) {
      await readManifest(tree, abs, cwd)
      await walk(tree, abs, abs, cwd)
    } else if (options.bundle === false && BUNDLE_FILE.test(abs)) {
      await addBundle(tree, abs, cwd)
    } else {
      await addFile(tree, abs, dirname(abs), cwd, true)
    }
  }
  tree.modules.sort((a, b) => (a.bundlePath < b.bundlePath ? -1 : a.bundlePath > b.bundlePath ? 1 : 0))
  if (options.bundle === false) {
    const read = new Set<string>()
    tree.modules = tree.modules.filter((m) => !read.has(m.path) && read.add(m.path))
    return tree
  }
  const seen = new Map<string, string>()
  for (const m of tree.modules) {
    const other = seen.get(m.bundlePath)
    if (other !== undefined) {
      throw new MeshgateError('cli_usage_error', `\`${other}\` and \`${m.path}\` would both be stored as \`/${m.bundlePath}\` in the bundle`)
    }
    seen.set(m.bundlePath, m.path)
  }
  return tree
}

async function walk(tree: SourceTree, root: string, dir: string, cwd: string): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (e) {
    throw ioError(display(dir, cwd), e)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const ent of entries) {
    // Hidden files and folders (.git, editor state) are never policy; the
    // one dotfile that matters, `.manifest`, is read by readManifest.
    if (ent.name.startsWith('.')) continue
    const full = join(dir, ent.name)
    if (ent.isDirectory()) await walk(tree, root, full, cwd)
    else if (ent.isFile()) await addFile(tree, full, root, cwd, false)
  }
}

async function addFile(tree: SourceTree, file: string, root: string, cwd: string, explicit: boolean): Promise<void> {
  const name = basename(file)
  const bundlePath = toSlash(relative(root, file))
  if (name.endsWith('.rego')) {
    tree.modules.push({ path: display(file, cwd), bundlePath, source: await readText(file, cwd) })
    return
  }
  if (isDataFile(name)) {
    const at = toSlash(relative(root, file)).split('/').slice(0, -1)
    const text = await readText(file, cwd)
    const shown = display(file, cwd)
    const doc = parseDataFile(name, text, shown)
    placeData(tree.data, at, doc, shown)
    tree.dataFiles.push({ path: shown, at, doc })
    return
  }
  if (explicit) {
    throw new MeshgateError('cli_usage_error', `\`${display(file, cwd)}\` is neither a \`.rego\` module nor a data file (data.json, data.yaml)`)
  }
}

/**
 * `test` and `eval` take a bundle as `opa test` and `opa eval -b` do: its
 * modules (named `<bundle file>/<path inside>`, so errors say where they
 * came from) and its data, merged with the other paths' data.
 */
async function addBundle(tree: SourceTree, file: string, cwd: string): Promise<void> {
  const shown = display(file, cwd)
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (e) {
    throw ioError(shown, e)
  }
  const bundle = readBundle(bytes, shown)
  if (bundle.sources.length === 0 && bundle.wasm.size > 0) {
    throw new MeshgateError(
      'cli_usage_error',
      `\`${shown}\` holds only compiled WebAssembly, no Rego sources to read`,
      undefined,
      'name the source folder instead, or build the bundle with its .rego files (policy build keeps them)',
    )
  }
  for (const s of bundle.sources) {
    const inside = s.path.replace(/^\/+/, '')
    tree.modules.push({ path: `${shown}/${inside}`, bundlePath: inside, source: s.source })
  }
  placeData(tree.data, [], bundle.data, shown)
  tree.dataFiles.push({ path: shown, at: [], doc: bundle.data })
}

async function readManifest(tree: SourceTree, dir: string, cwd: string): Promise<void> {
  const file = join(dir, '.manifest')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw ioError(display(file, cwd), e)
  }
  const shown = display(file, cwd)
  const manifest = parseManifest(text, shown)
  if (tree.manifest && JSON.stringify(tree.manifest) !== JSON.stringify(manifest)) {
    throw new MeshgateError('cli_usage_error', `\`${tree.manifestPath}\` and \`${shown}\` are two different manifests for one bundle`)
  }
  tree.manifest = manifest
  tree.manifestPath = shown
}

function parseDataFile(name: string, text: string, shown: string): unknown {
  try {
    return name.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (e) {
    throw new MeshgateError(
      'bundle_format_error',
      `\`${shown}\` is not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
    )
  }
}

async function statOrThrow(abs: string, shown: string) {
  try {
    return await stat(abs)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MeshgateError('cli_usage_error', `\`${shown}\` does not exist`)
    throw ioError(shown, e)
  }
}

async function readText(file: string, cwd: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw ioError(display(file, cwd), e)
  }
}

function ioError(shown: string, e: unknown): MeshgateError {
  return new MeshgateError('io_error', `cannot read \`${shown}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
}

/** A path as the user would type it: relative to the working directory unless it lies outside. */
function display(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return toSlash(rel === '' ? '.' : rel.startsWith('..') ? file : rel)
}

function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/')
}
