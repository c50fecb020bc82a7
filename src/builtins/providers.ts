// providers.aws.sign_req: AWS Signature Version 4 over a request object
// (method, url, headers, body | raw_body), at a time given in nanoseconds so
// that the result is deterministic. Returns the request with the signing
// headers added, as OPA does; http.send can then send it.

import { createHash, createHmac } from 'node:crypto'
import { BuiltinError, type HostImpl } from './types.js'
import { canonicalJson } from './jwt.js'

const NAME = 'providers.aws.sign_req'
type JsonObject = Record<string, unknown>

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

function objectOperand(i: number, v: unknown): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BuiltinError(NAME, `operand ${i} must be object`, 'eval_type_error')
  return v as JsonObject
}

function requiredString(o: JsonObject, key: string): string {
  const v = o[key]
  if (typeof v !== 'string' || v === '') throw new BuiltinError(NAME, `missing or invalid ${key}`)
  return v
}

/** Headers that proxies and clients may rewrite, so they are never signed. */
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'expect'])

/** The path of a URL exactly as written ("" when there is none), as Go's EscapedPath. */
function rawPath(u: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(u)
  return m?.[1] ?? ''
}

/** 20151228T140825Z */
function amzDate(ns: number): string {
  return new Date(Math.floor(ns / 1e6))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

function signRequest(req: unknown, config: unknown, timeNs: unknown): JsonObject {
  const request = objectOperand(1, req)
  const cfg = objectOperand(2, config)
  if (typeof timeNs !== 'number') throw new BuiltinError(NAME, 'operand 3 must be number', 'eval_type_error')
  const accessKey = requiredString(cfg, 'aws_access_key')
  const secretKey = requiredString(cfg, 'aws_secret_access_key')
  const service = requiredString(cfg, 'aws_service')
  const region = requiredString(cfg, 'aws_region')
  const method = requiredString(request, 'method')
  const rawUrl = requiredString(request, 'url')
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new BuiltinError(NAME, `invalid url: ${rawUrl}`)
  }

  // The payload is raw_body when given, else the JSON text of body.
  let payload = ''
  if (typeof request.raw_body === 'string') payload = request.raw_body
  else if (request.body !== undefined && request.body !== null) payload = canonicalJson(request.body)

  const date = amzDate(timeNs)
  const day = date.slice(0, 8)
  const bodyHash = cfg.disable_payload_signing === true ? 'UNSIGNED-PAYLOAD' : sha256Hex(payload)
  const awsHeaders: Record<string, string> = { host: url.host, 'x-amz-date': date }
  // Only S3 and Glacier want the payload hash as a header.
  if (service === 's3' || service === 'glacier') awsHeaders['x-amz-content-sha256'] = bodyHash
  if (typeof cfg.aws_session_token === 'string' && cfg.aws_session_token !== '') awsHeaders['x-amz-security-token'] = cfg.aws_session_token

  // The request's own headers are signed too, and win over the added ones.
  const inHeaders = request.headers !== null && typeof request.headers === 'object' ? (request.headers as JsonObject) : {}
  const toSign = new Map<string, string>(Object.entries(awsHeaders))
  for (const [k, v] of Object.entries(inHeaders)) {
    if (!IGNORED_HEADERS.has(k.toLowerCase())) toSign.set(k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v))
  }
  const names = [...toSign.keys()].sort()
  const signedHeaders = names.join(';')
  // As OPA signs it: the method as given, the escaped path and query as written.
  const canonicalRequest = [
    method,
    rawPath(rawUrl),
    url.search.replace(/^\?/, ''),
    ...names.map((k) => `${k}:${toSign.get(k) as string}`),
    '',
    signedHeaders,
    bodyHash,
  ].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n')
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day), region), service), 'aws4_request')
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex')
  const headers: JsonObject = { ...inHeaders, ...awsHeaders }
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`
  return { ...request, headers }
}

export const impls: Record<string, HostImpl> = {
  'providers.aws.sign_req': signRequest,
}
