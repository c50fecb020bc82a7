// Public surface of the server stage: the fastify app and the sidecar runner.

export { buildApp, NO_AUTH_WARNING, type AppOptions } from './app.js'
export { startSidecar, layerFor, type Sidecar } from './serve.js'
export { TokenVerifier, claim, describeJoseError, verifyJwt, type Subject } from './plugins/auth.js'
export { errorsPlugin, sendError, toMeshgateError } from './plugins/errors.js'
export { globalPlugin } from './plugins/global-plugin.js'
export {
  metricsPlugin,
  serveMetrics,
  SidecarMetrics,
  type MetricsPluginOptions,
  type MetricsRouteOptions,
  type SidecarMetricsOptions,
} from './plugins/metrics.js'
export { MetricsObserver, LabelChildren, DECISION_BUCKETS, MAX_LABEL_VALUES, OTHER_LABEL } from './decision-metrics.js'
export { collectProcessMetrics, METRIC_PREFIX } from './process-metrics.js'
export type { ServerContext } from './context.js'
export { MAX_JSON_DEPTH } from './json-body.js'
