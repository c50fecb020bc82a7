// Starting a registry from its config: open the store (the data folder),
// build the app, listen. `close` ends held long polls, stops listening,
// stops the load-check worker and waits for commits under way.

import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { buildRegistryApp } from './app.js'
import type { RegistryConfig } from './config.js'
import type { DecisionStore } from './decision-store.js'
import { FsBundleStore, type FsStoreOptions } from './fs-store.js'
import { LoadChecker } from './load-check.js'
import { ChangeFeed } from './long-poll.js'
import type { BundleStore } from './store.js'
import { PublisherTokens } from './token.js'

export interface Registry {
  app: FastifyInstance
  store: BundleStore
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
  /** Test seam: called between the durable steps of a commit. */
  storeHook?: FsStoreOptions['hook']
  /** The load-check worker script (tests running from sources use the built one). */
  loadCheckWorker?: URL
  /** The registry's clock (`published_at`, `received_at`, staleness); tests move it. */
  now?: () => Date
  /** Collected decision logs, read by the console (and `GET /v1/decisions`). */
  decisions?: DecisionStore
}

export async function startRegistry(config: RegistryConfig, opts: StartOptions = {}): Promise<Registry> {
  const store = opts.store ?? (await FsBundleStore.open({ dir: config.storage.dir, ...(opts.storeHook ? { hook: opts.storeHook } : {}) }))
  const feed = new ChangeFeed(store)
  const loader = new LoadChecker({ memoryMiB: config.limits.memoryMiB, timeoutMs: config.validate.loadTimeoutMs, ...(opts.loadCheckWorker ? { workerUrl: opts.loadCheckWorker } : {}) })
  const app = await buildRegistryApp({
    deps: { config, store, loader, ...(opts.now ? { now: opts.now } : {}) },
    tokens: new PublisherTokens(config.auth),
    feed,
    ...(opts.decisions ? { decisions: opts.decisions } : {}),
  }, opts.logger !== undefined ? { logger: opts.logger } : {})
  let address: string
  try {
    address = await app.listen({ host: config.server.host, port: config.server.port })
  } catch (e) {
    await app.close()
    await loader.close()
    await store.close()
    throw e
  }
  return {
    app,
    store,
    feed,
    url: address,
    close: async () => {
      await app.close()
      await loader.close()
      await store.close()
    },
  }
}
