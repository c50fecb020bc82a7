// From the sidecar config's `decision_logs` (normalized by src/config/) to
// DecisionLogger options: the upload URL is the service's `url` joined with
// `resource`, and the token is the service's `credentials.bearer.token`, as
// for bundles and status reports. The server adds the log policy and its
// logger.

import type { DecisionLogsConfig } from '../config/index.js'
import type { DecisionLoggerOptions } from './logger.js'

/** OPA's services answer within this, or the upload is retried (OPA's `response_header_timeout_seconds` default). */
const DEFAULT_TIMEOUT_SECONDS = 10

export function decisionLoggerOptions(d: DecisionLogsConfig, services: Record<string, { url: string; [k: string]: unknown }>): DecisionLoggerOptions {
  const o: DecisionLoggerOptions = {
    erase: d.erase,
    maxSpoolBytes: d.spool.maxBytes,
    fsyncIntervalMs: d.spool.fsyncIntervalSeconds * 1000,
  }
  if (d.console) o.console = true
  if (d.service !== undefined) {
    const svc = services[d.service]!
    const bearer = bearerOf(svc)
    const timeout = typeof svc.response_header_timeout_seconds === 'number' ? svc.response_header_timeout_seconds : DEFAULT_TIMEOUT_SECONDS
    o.dir = d.spool.dir
    o.upload = {
      url: joinUrl(svc.url, d.resource),
      ...(bearer ? { bearer } : {}),
      uploadSizeLimitBytes: d.reporting.uploadSizeLimitBytes,
      timeoutMs: timeout * 1000,
      minDelayMs: d.reporting.minDelaySeconds * 1000,
      maxDelayMs: d.reporting.maxDelaySeconds * 1000,
    }
  }
  return o
}

/** OPA's `services.<s>.credentials.bearer.token` (the server reads it the same way for bundles). */
function bearerOf(svc: { [k: string]: unknown }): string | undefined {
  const token = (svc.credentials as { bearer?: { token?: unknown } } | undefined)?.bearer?.token
  return typeof token === 'string' && token !== '' ? token : undefined
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
