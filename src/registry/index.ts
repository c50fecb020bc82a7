// Public surface of the registry stage: the central bundle registry (publish
// with scope and signature checks, OPA's bundle service API with long
// polling, history and rollback), its config, its store interface, and the
// client `policy push` uses.

export { startRegistry, type Registry, type StartOptions } from './serve.js'
export { buildRegistryApp, type RegistryAppOptions } from './app.js'
export { loadRegistryConfig, parseRegistryConfig, DEFAULT_REGISTRY_ADDR, type RegistryConfig, type RegistryAuthConfig } from './config.js'
export { REGISTRY_CONFIG_SCHEMA } from './config-schema.js'
export { FsBundleStore, type FsStoreOptions, type StorePoint } from './fs-store.js'
export type { BundleStore, RevisionRecord, BundleSummary, StoreChange, CommitOptions } from './store.js'
export { publish, rollback, checkName, BUNDLE_NAME, type RegistryDeps, type PublishResult, type RollbackTarget } from './publish.js'
export { PublisherTokens, type Publisher } from './token.js'
export { LoadChecker, LOAD_CHECK_WORKER, type LoadCheckOptions } from './load-check.js'
export { BUNDLE_CONTENT_TYPE, etagOf, ifNoneMatch, preferField, waitSeconds, ChangeFeed } from './long-poll.js'
export { pushBundle, type PushResult } from './client.js'
