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
import type { Config } from '../config/index.js'
import { loadConfig, parseConfig } from '../config/index.js'
import { MeshgateError } from '../errors/index.js'
import { NO_AUTH_WARNING, type Sidecar } from '../server/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { reportError } from './report.js'
import { listening, LOG_LEVELS, parseAddr, ReportedError, untilSignal } from './run-server.js'
import { createDevAuth, DEV_AUDIENCE, DEV_ISSUER, type DevAuth } from './serve/dev-auth.js'
import { buildExampleBundles, EXAMPLE_DOMAIN, exampleConfigYaml, packageRoot } from './serve/example-mesh.js'
import { curlFor, SAMPLE_REQUESTS } from './serve/sample-requests.js'
import { layerSources } from './test/layer-bundle.js'

const help = `Usage: policy serve --config <file> [options]
       policy serve --example [options]

Start the meshgate sidecar: decisions over HTTP for one data product
(docs/http-api.md). It runs until Ctrl-C or SIGTERM, then closes cleanly.

Options:
  -c, --config <file>      the sidecar's YAML config (docs/config.md)
      --example            build the worked example mesh (policies/global and
                           policies/domains/orders) into bundles and serve the
                           orders data product, with a development key pair for
                           auth; prints sample requests with development tokens
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
  })
  if (positionals.length) throw usageError('serve', `unexpected argument \`${positionals[0]}\``)
  const configFile = values.config as string | undefined
  const example = values.example as boolean
  if (configFile !== undefined && example) throw usageError('serve', '`--config` and `--example` cannot be used together')
  if (configFile === undefined && !example) throw usageError('serve', 'name a config with `--config <file>`, or serve the worked example with `--example`')
  if (!example && (values['bundle-dir'] !== undefined || values.policies !== undefined)) {
    throw usageError('serve', '`--bundle-dir` and `--policies` apply only with `--example`')
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
    if (configFile !== undefined) {
      config = await readUserConfig(configFile, insecureNoAuth)
      if (insecureNoAuth && config.auth.mode === 'jwt') {
        throw usageError('serve', '`--insecure-no-auth` is for a config without `auth`, and this config sets `auth`: remove one of the two')
      }
      banner = async (sc) => layerLines(sc, config)
    } else {
      const ex = await prepareExample(values['bundle-dir'] as string | undefined, values.policies as string | undefined)
      cleanup.push(() => ex.auth.dispose())
      config = ex.config
      banner = (sc) => exampleLines(sc, ex)
    }
    if (addr) Object.assign(config.server, addr)

    const { startSidecar } = await import('../server/index.js')
    const sidecar = await listening(config.server, () => startSidecar(config, { logger: { level: logLevel, stream: process.stderr } }))
    cleanup.unshift(() => sidecar.close())
    process.stdout.write(`${[`meshgate sidecar listening on ${sidecar.url}`, ...(await banner(sidecar))].join('\n')}\n`)

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
}

async function prepareExample(bundleDir: string | undefined, policiesDir: string | undefined): Promise<Example> {
  const root = packageRoot()
  const policies = resolve(policiesDir ?? join(root, 'policies'))
  const out = resolve(bundleDir ?? join(root, 'bundles'))
  let bundles
  try {
    bundles = await buildExampleBundles(policies, out)
  } catch (e) {
    // Compile errors point into the policy sources; show their lines.
    throw new ReportedError(reportError(e, process.stderr, { sources: layerSources }))
  }
  const auth = await createDevAuth()
  try {
    const yaml = exampleConfigYaml({
      addr: '127.0.0.1:8181',
      productDir: join(policies, 'domains', EXAMPLE_DOMAIN),
      bundles,
      jwksFile: auth.jwksFile,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      // hash/tokenize need a key; one per run keeps joins stable while it runs.
      anonymizeKey: randomBytes(24).toString('hex'),
    })
    return { config: parseConfig(yaml, '<example config>'), auth, bundleDir: out }
  } catch (e) {
    await auth.dispose()
    throw e
  }
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

async function exampleLines(sc: Sidecar, ex: Example): Promise<string[]> {
  const lines = [
    `  example mesh: bundles built into ${shown(ex.bundleDir)}/`,
    ...layerLines(sc, ex.config),
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

