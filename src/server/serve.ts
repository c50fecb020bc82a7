// Starting a sidecar from a Config: build the engine's layers from the
// configured bundles, load the guarded product's mesh files, start each
// bundle's source (bundle-sources.ts: files read and watched, services
// restored from disk and polled), then listen. A layer whose bundle cannot
// be activated stays inactive, so its decisions fail closed with 503.

import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Config } from '../config/index.js'
import { domainLayer, Engine, globalLayer, standaloneLayer, type LayerSpec } from '../engine/index.js'
import { loadMeshDir, type MeshModel } from '../product/index.js'
import { MeshgateError } from '../errors/index.js'
import { buildApp } from './app.js'
import { startBundleSources, type BundleSources } from './bundle-sources.js'
import { instanceLabels } from './context.js'
import type { DecisionLogger, DecisionLogLog, DecisionObserver } from '../decision-log/index.js'
import type { BundleStatus } from '../download/index.js'

export interface Sidecar {
  app: FastifyInstance
  engine: Engine
  /** `http://host:port` it listens on. */
  url: string
  /** Where each bundle comes from, kept current (files watched, services polled). */
  sources: BundleSources
  /** The decision logger, when `decision_logs` is configured. */
  decisionLog?: DecisionLogger
  close(): Promise<void>
}

export function layerFor(config: Config, bundle: Config['bundles'][number]): LayerSpec {
  if (bundle.layer === 'global') return globalLayer()
  if (bundle.layer === 'standalone') return standaloneLayer(bundle.name)
  return domainLayer(config.product!.domain)
}

export interface SidecarOptions {
  logger?: FastifyServerOptions['logger']
  mesh?: MeshModel
  builtinsModule?: string
  watchFiles?: boolean
  /** Extra decision observers (tests; the decision logger and metrics are built from the config). */
  observers?: DecisionObserver[]
}

export async function startSidecar(config: Config, opts: SidecarOptions = {}): Promise<Sidecar> {
  let mesh = opts.mesh
  if (!mesh && config.product?.dir) mesh = await loadMeshDir(config.product.dir)
  if (mesh && config.product && mesh.data.product.domain !== config.product.domain) {
    throw new MeshgateError(
      'config_error',
      `product \`${mesh.data.product.id}\` is in domain \`${mesh.data.product.domain}\`, but the config says \`${config.product.domain}\``,
    )
  }
  const layers = config.bundles.map((b) => layerFor(config, b))
  const engine = new Engine({
    layers,
    memoryMiB: config.budgets.memoryMiB,
    budgets: { steps: config.budgets.steps, timeMs: config.budgets.timeMs, ...(config.budgets.workers ? { workers: config.budgets.workers } : {}) },
    cacheSize: config.cache.decisions,
    ...(mesh ? { mesh: mesh.data as unknown as Record<string, unknown> } : {}),
    ...(opts.builtinsModule ? { builtinsModule: opts.builtinsModule } : {}),
  })
  // The first activation's load probe starts its worker while the app is built.
  engine.warmLoader()
  // The decision logger opens first (it recovers its spool, which can fail
  // on a bad directory) and logs through the app's logger once there is one.
  const appLog: { current?: DecisionLogLog } = {}
  const log: DecisionLogLog = {
    info: (o, m) => appLog.current?.info(o, m),
    warn: (o, m) => appLog.current?.warn(o, m),
    error: (o, m) => appLog.current?.error(o, m),
  }
  let decisionLog: DecisionLogger | undefined
  try {
    // Imported only when decision logging is configured (issue 13: start-up).
    if (config.decisionLogs) {
      const { DecisionLogger, decisionLoggerOptions } = await import('../decision-log/index.js')
      decisionLog = await DecisionLogger.open({ ...decisionLoggerOptions(config.decisionLogs, config.services), maskPolicy: (e) => engine.logVerdict(e), log })
    }
  } catch (e) {
    await engine.close()
    throw e
  }
  const status: { current?: () => BundleStatus[] } = {}
  const product = mesh ? { id: mesh.data.product.id, domain: mesh.data.product.domain } : undefined
  const labels = instanceLabels(config, product)
  const app = await buildApp({
    engine,
    config,
    labels,
    observers: [...(decisionLog ? [decisionLog] : []), ...(opts.observers ?? [])],
    bundleStatus: () => status.current?.() ?? [],
    ...(decisionLog ? { decisionLogStats: () => decisionLog.stats() } : {}),
    ...(mesh ? { mesh } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
  })
  appLog.current = app.log
  let sources: BundleSources
  try {
    sources = await startBundleSources({
      config,
      engine,
      layers,
      log: app.log,
      labels,
      ...(opts.watchFiles !== undefined ? { watchFiles: opts.watchFiles } : {}),
      ...(product ? { product } : {}),
    })
  } catch (e) {
    await app.close()
    await decisionLog?.close()
    await engine.close()
    throw e
  }
  status.current = () => sources.statuses()
  const address = await app.listen({ host: config.server.host, port: config.server.port })
  return {
    app,
    engine,
    url: address,
    sources,
    ...(decisionLog ? { decisionLog } : {}),
    async close() {
      await sources.close()
      // Answers in flight record their events first; the logger then makes a last upload (bounded).
      await app.close()
      await decisionLog?.close()
      await engine.close()
    },
  }
}
