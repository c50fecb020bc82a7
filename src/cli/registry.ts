// `policy registry`: run the central bundle registry (cli stage: flags in,
// registry.yaml, the registry stage's startRegistry, then wait for a signal).
// stdout gets the human lines (where it listens, how to publish); the
// server's log goes to stderr.

import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { MeshgateError } from '../errors/index.js'
import type { RegistryConfig, StartOptions, StorePoint } from '../registry/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { reportError } from './report.js'
import { listening, LOG_LEVELS, parseAddr, ReportedError, untilSignal } from './run-server.js'

const help = `Usage: policy registry --config <file> [options]

Run the central bundle registry (docs/registry.md): teams publish signed
bundles with \`policy push\`, sidecars (and OPA) download them from
GET /bundles/<name> with ETag and long polling. Runs until Ctrl-C or SIGTERM.

Options:
  -c, --config <file>      the registry's YAML config (docs/registry.md)
      --addr <host:port>   where to listen, overriding server.addr (default
                           127.0.0.1:8282; port 0 picks a free port)
      --data-dir <dir>     where bundles and history are kept, overriding
                           storage.dir
      --log-level <level>  the server log on stderr: fatal, error, warn, info,
                           debug, trace or silent (default info)
  -h, --help               show this help

A config error is printed as file:row:col: config_error: message with the
offending line, and the exit code is 2.
`

export const command: CliCommand = {
  name: 'registry',
  summary: 'run the central bundle registry (publish, download, history)',
  help,
  run,
}

/**
 * Test seam: with MESHGATE_REGISTRY_PAUSE_AT set to a store point
 * (`blob-temp-written`, `blob-renamed`, `metadata-torn`: half of the history
 * line on disk, `metadata-appended`), a publish stops there for good and says so on stderr,
 * so a test can kill the process in the middle of a commit.
 */
const PAUSE_ENV = 'MESHGATE_REGISTRY_PAUSE_AT'

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('registry', argv, {
    config: { type: 'string', short: 'c' },
    addr: { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  })
  if (positionals.length) throw usageError('registry', `unexpected argument \`${positionals[0]}\``)
  const file = values.config as string | undefined
  if (file === undefined) throw usageError('registry', 'name the registry config with `--config <file>`')
  const logLevel = values['log-level'] as string
  if (!LOG_LEVELS.includes(logLevel)) throw usageError('registry', `log level \`${logLevel}\` is not one of ${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}`)
  const addr = values.addr !== undefined ? parseAddr('registry', values.addr as string, '127.0.0.1:8282') : undefined

  try {
    const { loadRegistryConfig, startRegistry } = await import('../registry/index.js')
    const config = await readConfig(file, loadRegistryConfig)
    if (addr) Object.assign(config.server, addr)
    if (values['data-dir'] !== undefined) config.storage.dir = resolve(values['data-dir'] as string)
    const opts: StartOptions = { logger: { level: logLevel, stream: process.stderr } }
    const pause = process.env[PAUSE_ENV]
    if (pause) {
      opts.storeHook = async (point: StorePoint, name: string) => {
        if (point !== pause) return
        process.stderr.write(`registry: publish of \`${name}\` paused at ${point} (${PAUSE_ENV})\n`)
        await new Promise(() => {})
      }
    }
    const registry = await listening(config.server, () => startRegistry(config, opts))
    const bundles = await registry.store.list()
    process.stdout.write(
      `${[
        `meshgate registry listening on ${registry.url}`,
        `  data: ${config.storage.dir} (${bundles.length} bundle${bundles.length === 1 ? '' : 's'})`,
        `  downloads: ${registry.url}${config.server.bundlePrefix}/<name>${config.auth.require_for_download ? ' (token required)' : ''}`,
        `  publish: policy push bundle.tar.gz --registry ${registry.url} --name <name> --token <JWT>`,
        `  decision logs: POST ${registry.url}/logs (OPA's upload API), GET ${registry.url}/v1/decisions (a reader's token)`,
        ...(config.console.enabled ? [`  console: ${registry.url}/console (sign in with a reader's token)`] : []),
        `  metrics: ${registry.url}/metrics`,
      ].join('\n')}\n`,
    )
    const signal = await untilSignal()
    process.stderr.write(`${signal}: closing\n`)
    await registry.close()
    return 0
  } catch (e) {
    if (e instanceof ReportedError) return e.exitCode
    throw e
  }
}

/** Config errors are shown with the offending line of the file. */
async function readConfig(file: string, load: (f: string) => Promise<RegistryConfig>): Promise<RegistryConfig> {
  try {
    return await load(file)
  } catch (e) {
    if (!(e instanceof MeshgateError)) throw e
    const text = await readFile(file, 'utf8').catch(() => undefined)
    throw new ReportedError(reportError(e, process.stderr, text === undefined ? {} : { sources: new Map([[file, text]]) }))
  }
}
