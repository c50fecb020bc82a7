// Public surface of the download stage: bundles from a service (OPA's bundle
// service API, long polling included), persisted last good copies, and the
// delays between requests. Sits after engine/ (it activates into it through
// a callback) and before server/.

export { BundleLoop, type BundleLoopOptions } from './bundle-loop.js'
export type { BundleStatus } from '../bundle/index.js'
export { BundlePersistence, type Persisted, type PersistedMeta } from './persist.js'
export { requestBundle, LONG_POLL_CONTENT_TYPE, type BundleRequest, type BundleResponse } from './http-client.js'
export { retryDelay, pollDelay, sleep } from './backoff.js'
export { StatusReporter, statusReport, type StatusReport, type StatusReporterOptions } from './status-reporter.js'
export { FileBundleWatcher, type FileWatchOptions } from './file-watch.js'
