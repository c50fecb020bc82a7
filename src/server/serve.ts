// Starting a sidecar from a Config: build the engine's layers from the
// configured bundles, load the guarded product's mesh files, activate every
// bundle it can read (one that fails stays inactive, so its decisions fail
// closed with 503), then listen. Bundles from a `service` are for the
// registry poller (not in this module); until one arrives the layer is
// inactive.

import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Config } from '../config/index.js'
import { domainLayer, Engine, globalLayer, standaloneLayer, type LayerSpec } from '../engine/index.js'
import { loadMeshDir, type MeshModel } from '../engine/mesh/index.js'
import { MeshgateError } from '../errors/index.js'
import { buildApp } from './app.js'

export interface Sidecar {
  app: FastifyInstance
  engine: Engine
  /** `http://host:port` it listens on. */
  url: string
  close(): Promise<void>
}

export function layerFor(config: Config, bundle: Config['bundles'][number]): LayerSpec {
  if (bundle.layer === 'global') return globalLayer()
  if (bundle.layer === 'standalone') return standaloneLayer(bundle.name)
  return domainLayer(config.product!.domain)
}

export async function startSidecar(config: Config, opts: { logger?: FastifyServerOptions['logger']; mesh?: MeshModel; builtinsModule?: string } = {}): Promise<Sidecar> {
  let mesh = opts.mesh
  if (!mesh && config.product?.dir) mesh = await loadMeshDir(config.product.dir)
  if (mesh && config.product && mesh.data.product.domain !== config.product.domain) {
    throw new MeshgateError('config_error', `product \`${mesh.data.product.id}\` is in domain \`${mesh.data.product.domain}\`, but the config says \`${config.product.domain}\``)
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
  const app = await buildApp({ engine, config, ...(mesh ? { mesh } : {}), ...(opts.logger !== undefined ? { logger: opts.logger } : {}) })
  for (const [i, b] of config.bundles.entries()) {
    if (b.service) {
      app.log.warn({ bundle: b.name, service: b.service }, 'bundle comes from a service; the layer stays inactive until it is downloaded')
      continue
    }
    try {
      await engine.activate(layers[i]!.name, await readFile(b.resource), b.name)
    } catch (e) {
      const err = e instanceof MeshgateError ? e : new MeshgateError('io_error', `cannot read bundle \`${b.resource}\``, undefined, { cause: (e as Error).message })
      app.log.error({ bundle: b.name, code: err.code, err: err.message }, 'bundle not activated; its decisions fail closed')
    }
  }
  const address = await app.listen({ host: config.server.host, port: config.server.port })
  return {
    app,
    engine,
    url: address,
    async close() {
      await app.close()
      await engine.close()
    },
  }
}
