// What the routes share: the engine, the guarded product's mesh model, the
// config, and the observers of every decision. Built once by buildApp.

import { randomUUID } from 'node:crypto'
import type { Config } from '../config/index.js'
import type { Engine } from '../engine/index.js'
import type { MeshModel, MeshPort } from '../product/index.js'
import { MeshgateError } from '../errors/index.js'
import type { BundleStatus } from '../download/index.js'
import type { DecisionLogStats, DecisionObserver } from '../decision-log/index.js'

export interface ServerContext {
  engine: Engine
  config: Config
  /** The product this sidecar guards; without it every port name is accepted. */
  mesh?: MeshModel
  /** Each configured bundle's source status (download loop or watched file), for health. */
  bundleStatus?: () => BundleStatus[]
  /**
   * Given every decision event the routes build (the decision logger, the
   * metrics). buildApp adds its MetricsObserver to the ones passed in.
   */
  observers?: DecisionObserver[]
  /** The decision logger's figures (health, metrics), when decision logging is on. */
  decisionLogStats?: () => DecisionLogStats
}

/**
 * The instance's labels (OPA's `labels`): a random `id` per process,
 * `version`, the config's `labels`, and the guarded product and domain. The
 * status reports and every decision event carry the same ones.
 */
export function instanceLabels(config: Config, product?: { id: string; domain: string }): Record<string, string> {
  const labels: Record<string, string> = { id: randomUUID(), version: 'meshgate', ...config.labels }
  if (product) {
    labels.product = product.id
    labels.domain = product.domain
  } else if (config.product) labels.domain = config.product.domain
  return labels
}

/** The port's mesh entry; 404 `port_not_found` when the product does not declare it. */
export function portOf(ctx: ServerContext, port: string): MeshPort | undefined {
  if (!ctx.mesh) return undefined
  // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
  const p = Object.hasOwn(ctx.mesh.data.ports, port) ? ctx.mesh.data.ports[port] : undefined
  if (!p) {
    throw new MeshgateError('port_not_found', `output port \`${port}\` is not declared by data product \`${ctx.mesh.data.product.id}\``, undefined, {
      ports: Object.keys(ctx.mesh.data.ports),
    })
  }
  return p
}
