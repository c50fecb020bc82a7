// OPA's status API, service side, and the fleet view built from it.
//
// `POST /status` and `POST /status/<partition>`: OPA's status plugin (and
// meshgate's sidecar) posts its report here (OPA trims the slash of an empty
// partition, so `/status`). Any 2xx is success to OPA; we answer 200. The
// token is checked on arrival, before the body is read (context.ts,
// `requireReporter`); the body must be `application/json`, at most
// `status.max_report_size`, and pass status-report.ts.
//
// `GET /v1/sidecars[?stale=&failing=&behind=&product=&domain=]`: every
// sidecar's latest report beside the registry's current revisions
// (sidecars.ts), read like the other read APIs (`requireReader`), by id, a
// page at a time (`limit`, and `after` = the `next` of the page before: the
// last id it held), as the revisions are.
//
// `DELETE /v1/sidecars/<id>`: forgets a decommissioned instance (it would
// otherwise stay listed, as stale, until `max_instances` pushed it out).
// Only the governance group: a token whose roots cover `global`, since an
// instance's domain is a label it reports itself. A later report of the
// same id lists it again.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { closeWhenBodyUnread } from './body.js'
import { MeshgateError } from '../../errors/index.js'
import { requireReader, requireReporter, type RegistryContext } from '../context.js'
import { requireRootsCovered } from '../scope.js'
import { fleetView, type SidecarFilter } from '../sidecars.js'
import { readStatusReport } from '../status-report.js'
import type { Publisher } from '../token.js'

/** Largest page of sidecars; a larger `limit` is refused (400). */
export const MAX_SIDECAR_PAGE = 1000
export const DEFAULT_SIDECAR_PAGE = 100

const SIDECARS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stale: { type: 'boolean' },
    failing: { type: 'boolean' },
    behind: { type: 'boolean' },
    product: { type: 'string', minLength: 1 },
    domain: { type: 'string', minLength: 1 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_SIDECAR_PAGE },
    after: { type: 'string', minLength: 1 },
  },
} as const

const MAX_PARTITION = 256

export function statusRoutes(ctx: RegistryContext) {
  const { config, store } = ctx.deps
  const now = () => ctx.deps.now?.() ?? new Date()
  return async function routes(app: FastifyInstance): Promise<void> {
    // JSON only (OPA sends `application/json`), with this endpoint's own size limit.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.status.maxReportBytes }, app.getDefaultJsonParser('error', 'error'))
    closeWhenBodyUnread(app)

    const reporters = new WeakMap<object, Publisher | undefined>()
    const onRequest = async (req: FastifyRequest) => {
      reporters.set(req, await requireReporter(ctx, req))
    }
    const receive = async (req: FastifyRequest, partition: string | undefined) => {
      if (partition !== undefined && partition.length > MAX_PARTITION) {
        throw new MeshgateError('request_invalid', `the status partition is longer than ${MAX_PARTITION} characters`)
      }
      const reporter = reporters.get(req)?.subject
      const status = readStatusReport(req.body, { receivedAt: now(), ...(partition ? { partition } : {}), ...(reporter ? { reporter } : {}) })
      await store.putStatus(status, config.status.maxInstances)
      return { result: { id: status.id, received_at: status.received_at } }
    }
    app.post('/status', { onRequest }, async (req) => receive(req, undefined))
    app.post<{ Params: { '*': string } }>('/status/*', { onRequest }, async (req) => receive(req, req.params['*'] || undefined))

    app.get<{ Querystring: SidecarFilter & { limit?: number; after?: string } }>(
      '/v1/sidecars',
      {
        schema: { querystring: SIDECARS_QUERY },
        onRequest: async (req) => {
          await requireReader(ctx, req)
        },
      },
      async (req) => {
        const current = new Map((await store.list()).map((b) => [b.name, b.current]))
        const { limit = DEFAULT_SIDECAR_PAGE, after, ...filter } = req.query
        const views = fleetView(await store.statuses(), current, { now: now(), staleAfterSeconds: config.status.staleAfterSeconds }, filter)
        // By id, as fleetView sorts them: the page starts past `after`, which need not be an id still listed.
        const start = after === undefined ? 0 : views.findIndex((v) => v.id > after)
        const result = start < 0 ? [] : views.slice(start, start + limit)
        const more = start >= 0 && start + limit < views.length
        return { result, ...(more ? { next: result[result.length - 1]!.id } : {}) }
      },
    )
    // A wildcard, not `:id`: an id is any string a sidecar reported, longer than a path parameter may be.
    app.delete<{ Params: { '*': string } }>('/v1/sidecars/*', async (req) => {
      const remover = await ctx.tokens.verify(req.headers.authorization)
      requireRootsCovered(remover, ['global'], 'the fleet (removing a sidecar needs a token for `global`)')
      const id = req.params['*']
      if (!id) throw new MeshgateError('request_invalid', 'name the sidecar to remove: DELETE /v1/sidecars/<id>')
      if (!(await store.removeStatus(id))) throw new MeshgateError('resource_not_found', `no sidecar \`${id}\` is listed`)
      req.log.info({ sidecar: id, by: remover.subject }, 'sidecar removed from the fleet')
      return { result: { id, removed_by: remover.subject } }
    })
  }
}
