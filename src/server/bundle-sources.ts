// Where each configured bundle comes from, kept current: a file (read at
// start, read again when it changes) or a service (restored from its
// persisted copy, then downloaded with OPA's long polling). Every source
// activates through the same pipeline: read with the size limits → verify
// the signature (OPA's `keys` and `bundles.<b>.signing`, each key bound to
// the roots it may sign) → the engine's scope checks, bounded load and
// atomic swap. A failure anywhere keeps the last good bundle; the error is
// in the source's status (health, status reports).

import { readFile } from 'node:fs/promises'
import { checkBundleSignature, readBundleAsync, DEFAULT_SIZE_LIMITS, type KeyMap } from '../bundle/index.js'
import type { BundleConfig, Config } from '../config/index.js'
import { BundleLoop, BundlePersistence, FileBundleWatcher, StatusReporter, type BundleStatus } from '../download/index.js'
import type { Engine, LayerSpec } from '../engine/index.js'
import { MeshgateError } from '../errors/index.js'
import { instanceLabels } from './context.js'

export interface SourceLog {
  info(o: object, m?: string): void
  warn(o: object, m?: string): void
  error(o: object, m?: string): void
}

export interface BundleSources {
  statuses(): BundleStatus[]
  close(): Promise<void>
}

/** OPA's default bundle polling delays (docs: 60 to 120 seconds). */
export const OPA_DEFAULT_POLLING = { minDelaySeconds: 60, maxDelaySeconds: 120 }

export async function startBundleSources(o: {
  config: Config
  engine: Engine
  layers: LayerSpec[]
  log: SourceLog
  /** Watch local bundle files for changes (default true). */
  watchFiles?: boolean
  product?: { id: string; domain: string }
  /** The instance's labels for status reports (default: instanceLabels of the config and product). */
  labels?: Record<string, string>
}): Promise<BundleSources> {
  const { config, engine, log } = o
  const keys = config.keys as KeyMap
  const loops: BundleLoop[] = []
  const watchers: FileBundleWatcher[] = []
  const statusOf = new Map<string, () => BundleStatus>()
  // Set below, once every source exists; the loops tell it about changes.
  let reporter: StatusReporter | undefined

  const activator =
    (b: BundleConfig, layer: string) =>
    async (bytes: Uint8Array): Promise<string> => {
      const limit = b.size_limit_bytes
      const bundle = await readBundleAsync(
        bytes,
        b.name,
        limit ? { compressed: limit, uncompressed: Math.max(limit * 8, DEFAULT_SIZE_LIMITS.uncompressed) } : DEFAULT_SIZE_LIMITS,
      )
      if (b.signing || Object.keys(keys).length) {
        await checkBundleSignature(bundle.files ?? [], {
          keys,
          roots: bundle.manifest.roots,
          required: b.signing !== undefined,
          ...(b.signing?.keyid ? { keyId: b.signing.keyid } : {}),
          ...(b.signing?.scope !== undefined ? { scope: b.signing.scope } : {}),
          ...(b.signing?.exclude_files ? { exclude: b.signing.exclude_files } : {}),
        })
      }
      return (await engine.activate(layer, bundle, b.name)).loaded.revision
    }

  for (const [i, b] of config.bundles.entries()) {
    const layer = o.layers[i]!.name
    const activate = activator(b, layer)
    if (b.service) {
      const svc = config.services[b.service]!
      const loop = new BundleLoop({
        name: b.name,
        url: joinUrl(svc.url, b.resource),
        ...(bearerOf(svc) ? { bearer: bearerOf(svc)! } : {}),
        polling: {
          minDelaySeconds: b.polling?.min_delay_seconds ?? OPA_DEFAULT_POLLING.minDelaySeconds,
          maxDelaySeconds: b.polling?.max_delay_seconds ?? OPA_DEFAULT_POLLING.maxDelaySeconds,
          ...(b.polling?.long_polling_timeout_seconds ? { longPollingTimeoutSeconds: b.polling.long_polling_timeout_seconds } : {}),
        },
        maxBytes: b.size_limit_bytes ?? DEFAULT_SIZE_LIMITS.compressed,
        ...(b.max_age_seconds ? { maxAgeSeconds: b.max_age_seconds } : {}),
        ...(b.persist ? { persistence: new BundlePersistence(config.persistenceDirectory, b.name) } : {}),
        activate: (bytes) => activate(bytes),
        onCheck: (at) => {
          if (b.max_age_seconds) engine.setFreshness(layer, at + b.max_age_seconds * 1000, b.on_max_age ?? 'deny')
          reporter?.changed()
        },
        log,
      })
      // Until the first successful check, a maximum age counts from start.
      if (b.max_age_seconds) engine.setFreshness(layer, Date.now() + b.max_age_seconds * 1000, b.on_max_age ?? 'deny')
      loops.push(loop)
      statusOf.set(b.name, () => loop.status())
      continue
    }
    let revision: string | undefined
    try {
      revision = await activate(
        await readFile(b.resource).catch((e: NodeJS.ErrnoException) => {
          throw new MeshgateError('io_error', `cannot read bundle \`${b.resource}\`: ${e.code ?? e.message}`)
        }),
      )
    } catch (e) {
      const err =
        e instanceof MeshgateError ? e : new MeshgateError('io_error', `cannot read bundle \`${b.resource}\``, undefined, { cause: (e as Error).message })
      log.error({ bundle: b.name, code: err.code, err: err.message }, 'bundle not activated; its decisions fail closed')
    }
    if (o.watchFiles !== false) {
      const w = new FileBundleWatcher({ name: b.name, file: b.resource, activate, log })
      await w.start(revision)
      watchers.push(w)
      statusOf.set(b.name, () => w.status())
    } else {
      statusOf.set(b.name, () => ({ name: b.name, ...(revision !== undefined ? { active_revision: revision } : {}) }))
    }
  }

  const statuses = () => config.bundles.map((b) => statusOf.get(b.name)!())
  if (config.status) {
    const svc = config.services[config.status.service]!
    const labels = o.labels ?? instanceLabels(config, o.product)
    reporter = new StatusReporter({
      url: joinUrl(svc.url, config.status.partition_name ? `status/${config.status.partition_name}` : 'status'),
      ...(bearerOf(svc) ? { bearer: bearerOf(svc)! } : {}),
      labels,
      bundles: statuses,
      intervalMs: (config.status.interval_seconds ?? 10) * 1000,
      log,
    })
  }
  // Persisted copies first (awaited: a restart with the registry down serves at once), then the loops run.
  await Promise.all(loops.map((l) => l.start()))
  reporter?.start()

  return {
    statuses,
    async close() {
      await reporter?.close()
      await Promise.all([...loops.map((l) => l.close()), ...watchers.map((w) => w.close())])
    },
  }
}

/** OPA's `services.<s>.credentials.bearer.token`. */
function bearerOf(svc: { [k: string]: unknown }): string | undefined {
  const token = (svc.credentials as { bearer?: { token?: unknown } } | undefined)?.bearer?.token
  return typeof token === 'string' && token !== '' ? token : undefined
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
