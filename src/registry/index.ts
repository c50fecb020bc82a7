// Public surface of the registry stage: the central bundle registry (publish
// with scope and signature checks, OPA's bundle service API with long
// polling, history and rollback, OPA's status API and the fleet view built
// from it, OPA's decision log service API and the queries over it), its
// config, its store interfaces, and the client `policy push` uses.

export { startRegistry, type Registry, type StartOptions } from './serve.js'
export { buildRegistryApp, type RegistryAppOptions } from './app.js'
export {
  loadRegistryConfig,
  parseRegistryConfig,
  DEFAULT_REGISTRY_ADDR,
  type RegistryConfig,
  type RegistryAuthConfig,
  type StatusConfig,
  type DecisionLogsConfig,
} from './config.js'
export { REGISTRY_CONFIG_SCHEMA } from './config-schema.js'
export { FsBundleStore, type FsStoreOptions, type StorePoint } from './fs-store.js'
export type {
  BundleStore,
  RevisionRecord,
  HistoryEntry,
  HistoryPage,
  BundleSummary,
  StoreChange,
  CommitOptions,
  SidecarStatus,
  ReportedBundle,
} from './store.js'
export { FsDecisionStore, MAX_DECISION_PAGE, DEFAULT_DECISION_PAGE, type FsDecisionStoreOptions } from './fs-decisions.js'
export { DecisionIndex, MAX_SUMMARY_BUCKETS } from './decision-index.js'
export type {
  DecisionStore,
  StoredDecision,
  DecisionQuery,
  DecisionPage,
  AppendResult,
  DecisionSummaryQuery,
  DecisionSummary,
  PortSeries,
} from './decision-store.js'
export {
  readUploadBody,
  readDecisionBatch,
  outcomeOf,
  timeOf,
  MAX_LOG_DEPTH,
  DECISION_EVENT_SCHEMA,
  type UploadLimits,
  type UploadEncoding,
  type UploadContext,
} from './log-upload.js'
export { requireReader, requireReporter, requireDecisionReader, requireDecisionUploader, type RegistryContext } from './context.js'
export {
  readStatusReport,
  nestedDeeperThan,
  STATUS_REPORT_SCHEMA,
  MAX_STATUS_DEPTH,
  MAX_KEPT_MESSAGE,
  MAX_KEPT_ERRORS,
  type ReportContext,
} from './status-report.js'
export { fleetView, sidecarView, registryBundleFor, type SidecarView, type SidecarBundleView, type SidecarFilter, type FleetOptions } from './sidecars.js'
export { publish, rollback, checkName, BUNDLE_NAME, type RegistryDeps, type PublishResult, type RollbackTarget } from './publish.js'
export { PublisherTokens, listClaim, type Publisher } from './token.js'
export { LoadChecker, LOAD_CHECK_WORKER, type LoadCheckOptions } from './load-check.js'
export { BUNDLE_CONTENT_TYPE, etagOf, ifNoneMatch, preferField, waitSeconds, ChangeFeed } from './long-poll.js'
export { pushBundle, rollbackBundle, type PushResult, type RollbackResult } from './client.js'
export { RegistryMetrics, registryMetricsPlugin, UNMATCHED_ROUTE, type RegistryMetricsOptions, type RegistryMetricsPluginOptions } from './metrics.js'
