// Starting a registry from its config: open the stores (the data folder:
// bundles and status, and decision logs under `decisions/`), build the
// app, listen. `close` ends held long polls, stops listening, stops the
// load-check worker and waits for commits and appends under way.

import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { join } from 'node:path'
import { buildRegistryApp } from './app.js'
import type { RegistryConfig } from './config.js'
import type { DecisionStore } from './decision-store.js'
import { FsDecisionStore } from './fs-decisions.js'
import { FsBundleStore, type FsStoreOptions } from './fs-store.js'
import { LoadChecker } from './load-check.js'
import { ChangeFeed } from './long-poll.js'
import type { BundleStore } from './store.js'
import { PublisherTokens } from './token.js'

export interface Registry {
  app: FastifyInstance
  store: BundleStore
  /** Collected decision logs. */
  decisions: DecisionStore
  /** Long polls held until their bundle changes. */
  feed: ChangeFeed
  /** `http://host:port` it listens on. */
  url: string
  close(): Promise<void>
}

export interface StartOptions {
  logger?: FastifyServerOptions['logger']
  /** A store other than the data folder (e.g. PostgreSQL, later). */
  store?: BundleStore
  /** A decision store other than `<storage.dir>/decisions` (e.g. PostgreSQL, later). */
  decisions?: DecisionStore
  /** Test seam: called between the durable steps of a commit. */
  storeHook?: FsStoreOptions['hook']
  /** The load-check worker script (tests running from sources use the built one). */
  loadCheckWorker?: URL
  /** The registry's clock (`published_at`, `received_at`, staleness); tests move it. */
  now?: () => Date
}

export async function startRegistry(config: RegistryConfig, opts: StartOptions = {}): Promise<Registry> {
  const store =
    opts.store ??
    (await FsBundleStore.open({
      dir: config.storage.dir,
      ...(config.storage.keepRevisions !== undefined ? { keepRevisions: config.storage.keepRevisions } : {}),
      ...(opts.storeHook ? { hook: opts.storeHook } : {}),
    }))
  let decisions: DecisionStore
  try {
    const { retention } = config.decisionLogs
    decisions =
      opts.decisions ??
      (await FsDecisionStore.open({ dir: join(config.storage.dir, 'decisions'), maxEvents: retention.maxEvents, maxBytes: retention.maxBytes }))
  } catch (e) {
    await store.close()
    throw e
  }
  const feed = new ChangeFeed(store)
  const loader = new LoadChecker({
    memoryMiB: config.limits.memoryMiB,
    timeoutMs: config.validate.loadTimeoutMs,
    ...(opts.loadCheckWorker ? { workerUrl: opts.loadCheckWorker } : {}),
  })
  const app = await buildRegistryApp(
    { deps: { config, store, loader, ...(opts.now ? { now: opts.now } : {}) }, tokens: new PublisherTokens(config.auth), feed, decisions },
    opts.logger !== undefined ? { logger: opts.logger } : {},
  )
  // Stores close after the app: requests under way finish their appends first.
  const closeAll = async () => {
    await app.close()
    await loader.close()
    await decisions.close()
    await store.close()
  }
  let address: string
  try {
    address = await app.listen({ host: config.server.host, port: config.server.port })
  } catch (e) {
    await closeAll()
    throw e
  }
  return { app, store, decisions, feed, url: address, close: closeAll }
}
