// `policy serve`: start the sidecar (cli stage: flags in, a config, the
// server stage's startSidecar, then wait for a signal). With `--config` the
// sidecar comes from the user's YAML (src/config); with `--example` the
// worked example mesh in policies/ is compiled into bundles/ and served for
// the orders data product, with a development key pair for auth and two
// ready-to-run sample requests printed. stdout gets the human lines (where it
// listens, how requests are authenticated, the samples); the server's log
// goes to stderr. Serving without authentication takes an explicit choice
// (`auth: { mode: none }` or `--insecure-no-auth`) and is announced in both.

import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { watch } from 'node:fs'
import type { Config } from '../config/index.js'
import { loadConfig, parseConfig } from '../config/index.js'
import { NO_AUTH_WARNING, type Sidecar } from '../server/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { reportError } from './report.js'
import { listening, LOG_LEVELS, parseAddr, ReportedError, untilSignal } from './run-server.js'
// The worked example's pieces (the compiler, an embedded registry, dev keys)
// are imported only by `--example`: a `--config` sidecar serves prebuilt
// bundles and starts faster without them (issue 13).
import type { DevAuth } from './serve/dev-auth.js'
import type { BuiltBundle } from './serve/example-mesh.js'
import type { ExampleRegistry } from './serve/example-registry.js'

const help = `Usage: policy serve --config <file> [options]
       policy serve --example [options]

Start the meshgate sidecar: decisions over HTTP for one data product
(docs/http-api.md). It runs until Ctrl-C or SIGTERM, then closes cleanly.

Options:
  -c, --config <file>      the sidecar's YAML config (docs/config.md)
      --example            the whole loop on this machine: build the worked
                           example mesh (policies/global and
                           policies/domains/orders) into bundles, sign and
                           publish them to an embedded registry, and serve the
                           orders data product from that registry (long
                           polling), with a development key pair for auth;
                           prints sample requests with development tokens and
                           how to publish a change
      --watch              with --example: rebuild and publish on every save
                           under the policies folder; the sidecar serves the
                           new revision within a second
      --addr <host:port>   where to listen, overriding the config (default
                           127.0.0.1:8181; port 0 picks a free port)
      --bundle-dir <dir>   with --example: where the bundles are written
                           (default bundles/ in the meshgate folder)
      --policies <dir>     with --example: the example mesh's sources
                           (default policies/ in the meshgate folder)
      --log-level <level>  the server log on stderr: fatal, error, warn, info,
                           debug, trace or silent (default warn)
      --insecure-no-auth   serve a config that has no \`auth\` section without
                           authentication: no token is checked and every
                           request is the anonymous subject (development only;
                           \`auth: { mode: none }\` in the config does the same)
  -h, --help               show this help

A config error is printed as file:row:col: config_error: message with the
offending line, and the exit code is 2.
`

export const command: CliCommand = {
  name: 'serve',
  summary: 'run the sidecar (HTTP decisions for a data product)',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('serve', argv, {
    config: { type: 'string', short: 'c' },
    example: { type: 'boolean', default: false },
    addr: { type: 'string' },
    'bundle-dir': { type: 'string' },
    policies: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'insecure-no-auth': { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
  })
  if (positionals.length) throw usageError('serve', `unexpected argument \`${positionals[0]}\``)
  const configFile = values.config as string | undefined
  const example = values.example as boolean
  if (configFile !== undefined && example) throw usageError('serve', '`--config` and `--example` cannot be used together')
  if (configFile === undefined && !example) throw usageError('serve', 'name a config with `--config <file>`, or serve the worked example with `--example`')
  if (!example && (values['bundle-dir'] !== undefined || values.policies !== undefined || values.watch)) {
    throw usageError(
      'serve',
      '`--bundle-dir`, `--policies` and `--watch` apply only with `--example` (a `--config` sidecar reloads changed bundle files by itself)',
    )
  }
  const insecureNoAuth = values['insecure-no-auth'] as boolean
  if (example && insecureNoAuth) throw usageError('serve', '`--insecure-no-auth` does not apply to `--example`, which authenticates with development tokens')
  const logLevel = values['log-level'] as string
  if (!LOG_LEVELS.includes(logLevel)) throw usageError('serve', `log level \`${logLevel}\` is not one of ${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}`)
  const addr = values.addr !== undefined ? parseAddr('serve', values.addr as string) : undefined

  const cleanup: (() => Promise<void>)[] = []
  try {
    let config: Config
    let banner: (sidecar: Sidecar) => Promise<string[]>
    let afterStart: ((sidecar: Sidecar) => Promise<void>) | undefined
    if (configFile !== undefined) {
      config = await readUserConfig(configFile, insecureNoAuth)
      if (insecureNoAuth && config.auth.mode === 'jwt') {
        throw usageError('serve', '`--insecure-no-auth` is for a config without `auth`, and this config sets `auth`: remove one of the two')
      }
      banner = async (sc) => layerLines(sc, config)
    } else {
      const ex = await prepareExample(values['bundle-dir'] as string | undefined, values.policies as string | undefined)
      cleanup.push(() => ex.auth.dispose())
      cleanup.push(() => ex.registry.close())
      config = ex.config
      banner = (sc) => exampleLines(sc, ex, values.watch as boolean)
      if (values.watch) afterStart = (sc) => watchExample(ex, sc, cleanup)
    }
    if (addr) Object.assign(config.server, addr)

    const { startSidecar } = await import('../server/index.js')
    const sidecar = await listening(config.server, () => startSidecar(config, { logger: { level: logLevel, stream: process.stderr } }))
    cleanup.unshift(() => sidecar.close())
    // An example served from its registry: wait (bounded) for the first long poll to deliver both layers.
    if (example) await waitReady(sidecar, 15_000)
    process.stdout.write(`${[`meshgate sidecar listening on ${sidecar.url}`, ...(await banner(sidecar))].join('\n')}\n`)
    await afterStart?.(sidecar)

    const signal = await untilSignal()
    process.stderr.write(`${signal}: closing\n`)
    return 0
  } catch (e) {
    if (e instanceof ReportedError) return e.exitCode
    throw e
  } finally {
    for (const f of cleanup) await f()
  }
}

/**
 * loadConfig reports errors at file:row:col; the file's text is read here
 * too, so the printed error shows the offending line with a caret.
 */
async function readUserConfig(file: string, insecureNoAuth: boolean): Promise<Config> {
  try {
    return await loadConfig(file, process.env, { insecureNoAuth })
  } catch (e) {
    const text = await readFile(file, 'utf8').catch(() => undefined)
    throw new ReportedError(reportError(e, process.stderr, text === undefined ? {} : { sources: new Map([[file, text]]) }))
  }
}

interface Example {
  config: Config
  auth: DevAuth
  bundleDir: string
  policies: string
  registry: ExampleRegistry
  bundles: BuiltBundle[]
}

async function prepareExample(bundleDir: string | undefined, policiesDir: string | undefined): Promise<Example> {
  const [{ createDevAuth, DEV_AUDIENCE, DEV_ISSUER }, { buildExampleBundles, EXAMPLE_DOMAIN, exampleConfigYaml, packageRoot }, { startExampleRegistry }] =
    await Promise.all([import('./serve/dev-auth.js'), import('./serve/example-mesh.js'), import('./serve/example-registry.js')])
  const root = packageRoot()
  const policies = resolve(policiesDir ?? join(root, 'policies'))
  const out = resolve(bundleDir ?? join(root, 'bundles'))
  let bundles
  const sources = new Map<string, string>()
  try {
    bundles = await buildExampleBundles(policies, out, sources)
  } catch (e) {
    // Compile errors point into the policy sources; show their lines.
    throw new ReportedError(reportError(e, process.stderr, { sources }))
  }
  const auth = await createDevAuth()
  let registry: ExampleRegistry | undefined
  try {
    registry = await startExampleRegistry(auth)
    for (const b of bundles) await registry.publish(b.name, b.file)
    const yaml = exampleConfigYaml({
      addr: '127.0.0.1:8181',
      productDir: join(policies, 'domains', EXAMPLE_DOMAIN),
      bundles,
      jwksFile: auth.jwksFile,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      // hash/tokenize need a key; one per run keeps joins stable while it runs.
      anonymizeKey: randomBytes(24).toString('hex'),
      registry: {
        url: registry.url,
        keys: registry.keys,
        persistenceDir: join(registry.dir, 'sidecar'),
        // The sidecar's own credentials for status reports and decision-log uploads, for as long as a session may run.
        uploadToken: await auth.mint({ sub: `${EXAMPLE_DOMAIN}-sidecar`, roles: [], clearance: 'internal', domain: EXAMPLE_DOMAIN, region: 'eu' }, '30d'),
      },
    })
    return { config: parseConfig(yaml, '<example config>'), auth, bundleDir: out, policies, registry, bundles }
  } catch (e) {
    await registry?.close()
    await auth.dispose()
    throw e
  }
}

/** Resolves when every layer is active, or after `ms` (the banner then says which layer is not). */
async function waitReady(sc: Sidecar, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!sc.engine.ready && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
}

/**
 * `--example --watch`: every save under the policies folder rebuilds the
 * bundles, publishes those whose revision changed, and says when the
 * sidecar serves them. A compile error is printed with its line and the
 * last good revisions keep serving.
 */
async function watchExample(ex: Example, sc: Sidecar, cleanup: (() => Promise<void>)[]): Promise<void> {
  const { buildExampleBundles, EXAMPLE_LAYERS } = await import('./serve/example-mesh.js')
  let timer: NodeJS.Timeout | undefined
  let chain: Promise<void> = Promise.resolve()
  const rebuild = async () => {
    let built: BuiltBundle[]
    const sources = new Map<string, string>()
    try {
      built = await buildExampleBundles(ex.policies, ex.bundleDir, sources)
    } catch (e) {
      reportError(e, process.stderr, { sources })
      process.stdout.write('watch: the build failed (above); the sidecar keeps serving the last good revisions\n')
      return
    }
    for (const b of built) {
      const t0 = performance.now()
      try {
        const r = await ex.registry.publish(b.name, b.file)
        if (r.unchanged) continue
        const layer = EXAMPLE_LAYERS.find((l) => l.name === b.name)!.root
        while (sc.engine.revisions()[layer] !== r.revision && performance.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 5))
        const live = sc.engine.revisions()[layer] === r.revision
        process.stdout.write(
          `watch: published ${b.name} revision ${r.revision}; ${live ? `the sidecar serves it (${Math.round(performance.now() - t0)} ms after the publish)` : 'the sidecar has not taken it yet (see /health?bundles)'}\n`,
        )
      } catch (e) {
        process.stdout.write(`watch: ${(e as Error).message}\n`)
      }
    }
  }
  const watcher = watch(ex.policies, { recursive: true }, () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      chain = chain.then(rebuild)
    }, 150)
  })
  cleanup.unshift(async () => {
    clearTimeout(timer)
    watcher.close()
    await chain
  })
  process.stdout.write(`watch: rebuilding and publishing on every change under ${shown(ex.policies)}\n`)
}

/** What is being served: the product, its ports, and each layer's bundle or why it has none. */
function layerLines(sc: Sidecar, config: Config): string[] {
  const mesh = sc.engine.meshData as { product?: { id: string; domain: string }; ports?: Record<string, unknown> } | undefined
  const lines: string[] = [...authLines(sc, config)]
  if (mesh?.product) {
    lines.push(`  data product: ${mesh.product.id} (domain ${mesh.product.domain}), output ports: ${Object.keys(mesh.ports ?? {}).join(', ') || 'none'}`)
  }
  for (const [i, l] of sc.engine.layers.entries()) {
    const b = config.bundles[i]
    const state = l.active
      ? `${b ? `${shown(b.resource)}, ` : ''}revision ${l.active.loaded.revision || '(none)'}`
      : `INACTIVE (${whyInactive(l.lastError?.message, b)}); decisions answer 503`
    lines.push(`  layer ${l.name}: ${state}`)
  }
  lines.push(`  health: curl -s '${sc.url}/health?bundles'`)
  return lines
}

/** How requests are authenticated; when they are not, in capitals, before anything else. */
function authLines(sc: Sidecar, config: Config): string[] {
  const auth = config.auth
  if (auth.mode === 'none') {
    const via = auth.via === 'flag' ? '--insecure-no-auth' : 'auth: { mode: none }'
    return [`  WARNING: ${NO_AUTH_WARNING} (${via})`]
  }
  const keys = sc.app.authStatus()
  const from = auth.jwks_url ?? shown(auth.jwks_file!)
  if (keys && !keys.ready) {
    return [`  auth: bearer JWTs from ${auth.issuer}; keys UNAVAILABLE (${keys.message}); requests with a token answer 503 until the keys are fetched`]
  }
  return [`  auth: bearer JWTs from ${auth.issuer}, keys from ${from}`]
}

function whyInactive(lastError: string | undefined, b: Config['bundles'][number] | undefined): string {
  if (lastError) return lastError
  if (b?.service) return `waiting for \`${b.resource}\` from service \`${b.service}\``
  if (b && !existsSync(b.resource)) return `\`${shown(b.resource)}\` does not exist`
  return 'see the log'
}

async function exampleLines(sc: Sidecar, ex: Example, watching: boolean): Promise<string[]> {
  const { curlFor, SAMPLE_REQUESTS } = await import('./serve/sample-requests.js')
  const global = ex.registry.keys.find((k) => k.id === 'global')!
  const reader = await ex.auth.mint({ sub: 'auditor', roles: ['decision-reader'], clearance: 'internal', domain: 'governance', region: 'eu' })
  const lines = [
    `  example mesh: bundles built into ${shown(ex.bundleDir)}/, signed and published to the embedded registry`,
    `  registry: ${ex.registry.url} (embedded; the sidecar long-polls it: GET ${ex.registry.url}/v1/bundles lists what it holds)`,
    ...layerLines(sc, ex.config),
    `  decision logs: every decision is masked (policies/global/log.rego), spooled and uploaded to the registry; read them with`,
    `    curl -H 'authorization: Bearer ${reader}' \\`,
    `      '${ex.registry.url}/v1/decisions?outcome=deny&limit=5'`,
    `  governance console: ${ex.registry.url}/console (sign in with the token above: a decision reader's)`,
    `  metrics: ${sc.url}/metrics (sidecar), ${ex.registry.url}/metrics (registry)`,
    '',
    watching
      ? `The loop: edit a .rego file under ${shown(ex.policies)}/ and save; it is rebuilt, signed, published and served within a second.`
      : 'The loop: edit a .rego file, then build, sign and publish it (or restart with `npm start -- --watch` to do this on every save):',
    ...(watching
      ? []
      : [
          `  npx policy build -b ${shown(join(ex.policies, 'global'))} --revision my-change-1 -o /tmp/global.tar.gz \\`,
          `    --signing-key ${global.privateFile} --verification-key-id global`,
          `  npx policy push /tmp/global.tar.gz --registry ${ex.registry.url} --name global --token ${await ex.registry.token('global')}`,
        ]),
    '',
    '',
    'Sample requests, with DEVELOPMENT TOKENS: signed by a key pair generated for',
    'this run (its public JWKS is a temp file), valid for 1 hour, accepted by no',
    'other sidecar. Never use --example auth in production (docs/config.md, auth).',
  ]
  for (const s of SAMPLE_REQUESTS) {
    const token = await ex.auth.mint(s.claims)
    lines.push('', `# ${s.title}`, `# development token for ${JSON.stringify(s.claims)}`, curlFor(sc.url, token, s.body))
  }
  lines.push('', 'Ctrl-C stops the sidecar.')
  return lines
}

/** A path relative to the working directory when it lies below it. */
function shown(p: string): string {
  const rel = relative(process.cwd(), p)
  return rel && !rel.startsWith('..') ? rel : p
}
