// Errors plugin: every failure leaves as OPA's envelope `{code, message,
// errors?}` with the catalog's status. Fastify's own errors (body too large,
// malformed JSON, schema validation, media type, the router's bad URLs via
// app.ts's frameworkErrors, and what node's HTTP parser refuses via
// clientErrorHandler) get meshgate codes; anything unknown is a 500 with a
// generic message while the real error is logged.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { httpEnvelope, kindOf, MeshgateError, type ErrorCode } from '../../errors/index.js'
import { globalPlugin } from './global-plugin.js'

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: (e: FastifyError, req?: FastifyRequest) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'request_too_large', message: () => 'the request body is larger than the configured limit' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'request_malformed', message: () => 'the request body length does not match `content-length`' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'request_malformed',
    message: (e) =>
      `the request body is not valid JSON: ${e.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'syntax error'}`,
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'request_malformed', message: () => 'the request body is empty but `content-type` is `application/json`' },
  FST_ERR_BAD_URL: { code: 'request_malformed', message: () => 'the request path is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'request_invalid', message: () => 'a request path parameter is longer than the router accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'request_media_type',
    message: (_e, req) => {
      const ct = req?.headers['content-type']
      return ct
        ? `unsupported media type \`${ct.slice(0, 100)}\`; send \`application/json\``
        : 'the request body has no `content-type`; send `application/json`'
    },
  },
}

/** Ajv's message, naming the field for an unknown one (ajv says only "must NOT have additional properties"). */
function validationMessage(v: NonNullable<FastifyError['validation']>[number]): string | undefined {
  const field = (v.params as { additionalProperty?: unknown } | undefined)?.additionalProperty
  return v.keyword === 'additionalProperties' && typeof field === 'string' ? `has unknown field \`${field.slice(0, 100)}\`` : v.message
}

/** The meshgate error for a known failure (ours, or fastify's); `req` lets a message name what the client sent. */
export function toMeshgateError(err: unknown, req?: FastifyRequest): MeshgateError | undefined {
  if (err instanceof MeshgateError) return err
  const fe = err as FastifyError
  if (fe && typeof fe === 'object') {
    if (fe.validation) {
      const first = fe.validation[0]
      return new MeshgateError(
        'request_invalid',
        `request ${fe.validationContext ?? 'body'} ${first?.instancePath || ''} ${first ? validationMessage(first) : 'is invalid'}`.replace(/\s+/g, ' ').trim(),
        undefined,
        fe.validation.map((v) => ({ path: v.instancePath, message: validationMessage(v) })),
      )
    }
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined
    if (known) return new MeshgateError(known.code, known.message(fe, req))
    if (fe instanceof SyntaxError && (fe as FastifyError).statusCode === 400)
      return new MeshgateError('request_malformed', `the request body is not valid JSON: ${fe.message}`)
  }
  return undefined
}

export function sendError(reply: FastifyReply, e: MeshgateError & { errors?: unknown }): FastifyReply {
  const { status, body } = httpEnvelope(e as MeshgateError)
  if (e.details !== undefined && !body.errors && kindOf(e.code).status < 500) body.errors = Array.isArray(e.details) ? e.details : [e.details]
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="meshgate"')
  return reply.code(status).type('application/json').send(body)
}

/**
 * Requests node's HTTP parser refuses before fastify sees them (headers too
 * large, a body longer than its `content-length`, a timeout) are answered on
 * the socket, in our envelope too; app.ts passes this as fastify's
 * `clientErrorHandler`.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer (as fastify's own handler does).
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new MeshgateError('request_timeout', 'the request did not arrive completely in time')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new MeshgateError('request_headers_too_large', 'the request line and headers are larger than the server reads')
        : new MeshgateError('request_malformed', 'the request is not valid HTTP/1.1 (for example, a body longer than its `content-length`)')
  const { status, body } = httpEnvelope(e)
  const text = JSON.stringify(body)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
    )
  }
  socket.destroy(err)
}

export const errorsPlugin = globalPlugin(async function errors(app: FastifyInstance) {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const known = toMeshgateError(err, req)
    if (known) {
      if (kindOf(known.code).status >= 500) req.log.warn({ code: known.code, err: known.message }, 'request failed')
      return sendError(reply, known)
    }
    req.log.error({ err }, 'unexpected error')
    return sendError(reply, new MeshgateError('internal_error', 'internal error; see the sidecar log'))
  })
  app.setNotFoundHandler((req, reply) => sendError(reply, new MeshgateError('resource_not_found', `no route \`${req.method} ${req.url.split('?')[0]}\``)))
}, 'meshgate-errors')
