// `policy build`: Rego sources → an OPA-format bundle holding policy.wasm
// (cli stage: flags in, read the tree, check roots, compile(), write the
// bundle atomically). Flags follow `opa build` where they overlap.

import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CompileError, MeshgateError, type ErrorDetail } from '../errors/index.js'
import {
  bundleEntries,
  dataPathsOf,
  packEntries,
  saveBundleBytes,
  signEntries,
  underRoots,
  verifyBundleSignature,
  withSignature,
  type Manifest,
} from '../bundle/index.js'
import { readCapabilities } from './capabilities-file.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { loadSourceTree, type SourceTree } from './source-tree.js'
import { SourceFile } from '../source/index.js'
import type { Module } from '../rego/index.js'
import { annotatedEntrypoints, decisionRuleEntrypoints, normalizeEntrypoint, parseAll } from './entrypoints.js'
import { reportError } from './report.js'
import { DECISION_PACKAGES } from '../engine/layers.js'
import { readText, SIGNING_FLAGS, SIGNING_HELP, signingOptions } from './signing-flags.js'

const help = `Usage: policy build -t wasm -e <entrypoint>... [options] <path>...

Compile Rego to WebAssembly and write an OPA bundle (a .tar.gz holding
/.manifest, /policy.wasm, /data.json and the .rego sources).

Paths are .rego files, data.json/data.yaml files, or directories walked for
both. A data file is placed at the data path of its directory: <dir>/a/b/data.json
becomes data.a.b. A .manifest at the top of a directory declares the bundle's
roots (and revision); every package and data path must lie under a root.

Options:
  -t, --target wasm          what to build (only wasm is supported; the default)
  -e, --entrypoint <path>    a rule or package to expose, as a/b/c or data.a.b.c;
                             repeatable. Rules annotated "entrypoint: true" in
                             METADATA are added too
  -b, --bundle               treat each directory path as a bundle root
  -o, --output <file>        where to write the bundle (default bundle.tar.gz)
      --revision <r>         the manifest revision (overrides .manifest)
      --capabilities <file>  an OPA capabilities JSON file: declared built-ins
                             compile to host calls
      --v0-compatible        read the sources as Rego v0 (OPA 0.x syntax)
      --non-strict-builtins  built-in errors make the expression undefined (OPA's
                             default) instead of failing the evaluation; meshgate
                             builds strict by default, so an error inside a deny
                             fails closed
      --dump <dir>           also write the plan (plan.txt) and the module's
                             text form (policy.wat) into <dir>, for debugging
${SIGNING_HELP}
      --verification-key <pem>
                             check the signature just made with this public key
                             (PEM file) before writing the bundle
  -h, --help                 show this help

Errors are printed as file:row:col: code: message with the source line; the
exit code is non-zero and no bundle file is left behind.
`

export const command: CliCommand = {
  name: 'build',
  summary: 'compile Rego to WebAssembly and write an OPA bundle',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('build', argv, {
    target: { type: 'string', short: 't', default: 'wasm' },
    entrypoint: { type: 'string', short: 'e', multiple: true, default: [] },
    bundle: { type: 'boolean', short: 'b', default: false },
    output: { type: 'string', short: 'o', default: 'bundle.tar.gz' },
    revision: { type: 'string' },
    capabilities: { type: 'string' },
    'v0-compatible': { type: 'boolean', default: false },
    dump: { type: 'string' },
    'non-strict-builtins': { type: 'boolean', default: false },
    ...SIGNING_FLAGS,
    'verification-key': { type: 'string' },
  })
  if (values.target !== 'wasm') throw usageError('build', `target \`${values.target}\` is not supported; use \`-t wasm\``)
  if (positionals.length === 0) throw usageError('build', 'no paths given: name the .rego files or directories to build')

  const signing = await signingOptions('build', values)
  if (values['verification-key'] !== undefined && !signing)
    throw usageError('build', '`--verification-key` checks the signature `--signing-key` makes; give both')
  const verificationKey = values['verification-key'] !== undefined ? await readText(values['verification-key'] as string, 'verification key') : undefined

  const tree = await loadSourceTree(positionals)
  if (values.bundle) await requireDirectories(positionals)
  if (tree.modules.length === 0) throw usageError('build', `no .rego files found under ${positionals.map((p) => `\`${p}\``).join(', ')}`)
  const sources = new Map(tree.modules.map((m) => [m.path, m.source]))

  try {
    const regoVersion = values['v0-compatible'] ? 0 : 1
    // OPA adds rules annotated `entrypoint: true` to those given with -e.
    const parsed = parseAll(tree.modules, regoVersion)
    const roots = tree.manifest?.roots ?? ['']
    const given = uniq([...(values.entrypoint as string[]).map(normalizeEntrypoint), ...annotatedEntrypoints(parsed)])
    // Every decision package the sources define gets an entrypoint, so a
    // bundle never silently drops one (the sidecar refuses such bundles); and
    // each rule a decision reads gets its own, the sidecar's fast path.
    const entrypoints = uniq([...given, ...decisionEntrypoints(parsed, roots, given), ...decisionRuleEntrypoints(parsed, roots)])
    if (entrypoints.length === 0) {
      throw usageError('build', 'wasm needs at least one entrypoint: pass `-e <package/rule>` or annotate a rule with `entrypoint: true`')
    }
    // Roots are checked before compiling, as OPA checks them while loading.
    checkScope(tree, roots, entrypoints, parsed)

    const capabilities = values.capabilities ? await readCapabilities('build', values.capabilities as string) : undefined
    // Loaded on use: `--help` and usage errors never pay for the compiler.
    const { compile } = await import('../compiler.js')
    const result = await compile({
      modules: tree.modules.map((m) => ({ path: m.path, source: m.source })),
      entrypoints,
      regoVersion,
      strictBuiltinErrors: !values['non-strict-builtins'],
      ...(capabilities !== undefined ? { capabilities } : {}),
      ...(values.dump !== undefined ? { debug: true } : {}),
    })
    if (values.dump !== undefined) await writeDump(values.dump as string, result)
    const manifest = manifestFor(tree, roots, entrypoints, regoVersion, values.revision as string | undefined)

    let entries = bundleEntries({
      manifest,
      wasm: result.wasm,
      data: tree.data,
      sources: tree.modules.map((m) => ({ path: m.bundlePath, source: m.source })),
    })
    if (signing) {
      entries = withSignature(entries, await signEntries(entries, signing))
      if (verificationKey !== undefined) {
        // As a verifier would: this key only, the signature's own kid, the scope asked for.
        const id = signing.keyId ?? 'verification-key'
        const scope = signing.scope ?? (typeof signing.claims?.scope === 'string' ? signing.claims.scope : undefined)
        await verifyBundleSignature(entries, {
          keys: { [id]: { algorithm: signing.algorithm!, key: verificationKey } },
          roots,
          keyId: id,
          ...(scope !== undefined ? { scope } : {}),
        })
      }
    }
    // A temporary file renamed into place: no partial bundle.
    await saveBundleBytes(values.output as string, packEntries(entries))
    return 0
  } catch (e) {
    return reportError(e, process.stderr, { sources })
  }
}

function manifestFor(tree: SourceTree, roots: string[], entrypoints: string[], regoVersion: 0 | 1, revision: string | undefined): Manifest {
  const base = tree.manifest
  const m: Manifest = {
    revision: revision ?? base?.revision ?? '',
    roots,
    wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
    rego_version: regoVersion,
  }
  if (base?.metadata) m.metadata = base.metadata
  return m
}

/**
 * Packages, data and entrypoints must lie under the roots (OPA refuses such
 * bundles when it loads them); each violation points at the package line or
 * the data file responsible.
 */
function checkScope(tree: SourceTree, roots: string[], entrypoints: string[], parsed: Module[]): void {
  const list = roots.map((r) => `\`${r}\``).join(', ')
  const why = tree.manifestPath ? `roots are declared in \`${tree.manifestPath}\`` : undefined
  const errors: ErrorDetail[] = []
  const add = (message: string, location?: ErrorDetail['location']) => {
    const e: ErrorDetail = { code: 'bundle_scope_error', message }
    if (location) e.location = location
    if (why) e.details = why
    errors.push(e)
  }
  for (const mod of parsed) {
    if (!underRoots(roots, mod.package)) {
      const { row, col } = new SourceFile(mod.path, mod.text).location(mod.packageSpan.start)
      add(`package \`data.${mod.package.join('.')}\` is outside the bundle roots ${list}`, { file: mod.path, row, col })
    }
  }
  for (const f of tree.dataFiles) {
    const placed = f.at.reduceRight<unknown>((doc, seg) => ({ [seg]: doc }), f.doc)
    for (const d of dataPathsOf(placed, roots)) {
      if (!underRoots(roots, d)) add(`data at \`/${d}\` from \`${f.path}\` is outside the bundle roots ${list}`)
    }
  }
  for (const e of entrypoints) {
    if (!underRoots(roots, e)) add(`entrypoint \`${e}\` is outside the bundle roots ${list}`)
  }
  if (errors.length) throw new CompileError(errors)
}

async function writeDump(dir: string, result: { plan?: string; wat?: string }): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
    if (result.plan !== undefined) await writeFile(join(dir, 'plan.txt'), result.plan)
    if (result.wat !== undefined) await writeFile(join(dir, 'policy.wat'), result.wat)
  } catch (e) {
    throw new MeshgateError('io_error', `cannot write \`${dir}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

async function requireDirectories(paths: string[]): Promise<void> {
  for (const p of paths) {
    if (!(await stat(p)).isDirectory()) throw usageError('build', `with \`-b\`, \`${p}\` must be a directory (a bundle root)`)
  }
}

/**
 * `<root>/access`, `<root>/anonymization` and `<root>/compatibility` for each
 * bundle root whose sources define them, unless an entrypoint at or above
 * the package is already given.
 */
function decisionEntrypoints(parsed: Module[], roots: string[], given: string[]): string[] {
  const out: string[] = []
  const covers = (e: string[], p: string[]) => e.length <= p.length && e.every((s, i) => p[i] === s)
  for (const mod of parsed) {
    if (mod.path.endsWith('_test.rego')) continue
    const pkg = mod.package
    const isDecision = roots.some((r) => {
      const root = r === '' ? [] : r.split('/')
      return pkg.length === root.length + 1 && covers(root, pkg) && (DECISION_PACKAGES as readonly string[]).includes(pkg[root.length]!)
    })
    if (isDecision && !given.some((g) => covers(g.split('/'), pkg))) out.push(pkg.join('/'))
  }
  return out
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)]
}
