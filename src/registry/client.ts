// The registry client `policy push` and `policy rollback` use: PUT the
// bundle's bytes to `<registry>/v1/bundles/<name>`, or POST a rollback to
// `…/<name>/rollback`, with the bearer token, and tell apart a revision made
// current, a refusal (the registry's envelope: code, message, errors) and a
// registry that cannot be reached or does not speak this API.

import { isErrorCode, MeshgateError, type ErrorDetail } from '../errors/index.js'
import { BUNDLE_CONTENT_TYPE } from './long-poll.js'

export type PushResult =
  | { ok: true; status: number; revision: string; digest: string; record: Record<string, unknown> }
  | { ok: false; status: number; error: ErrorDetail & { errors?: unknown[] } }

/** A rollback answers as a publish does: the revision now current, or the registry's refusal. */
export type RollbackResult = PushResult

export function pushBundle(registry: string, name: string, bytes: Uint8Array, token: string, timeoutMs = 120_000): Promise<PushResult> {
  return call(registry, `v1/bundles/${encodeURIComponent(name)}`, token, timeoutMs, {
    method: 'PUT',
    headers: { 'content-type': BUNDLE_CONTENT_TYPE },
    body: bytes as Uint8Array<ArrayBuffer>,
  })
}

/** `POST <registry>/v1/bundles/<name>/rollback` with `{revision}` or `{digest}`. */
export function rollbackBundle(
  registry: string,
  name: string,
  target: { revision: string } | { digest: string },
  token: string,
  timeoutMs = 30_000,
): Promise<RollbackResult> {
  return call(registry, `v1/bundles/${encodeURIComponent(name)}/rollback`, token, timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(target),
  })
}

async function call(
  registry: string,
  path: string,
  token: string,
  timeoutMs: number,
  init: { method: string; headers: Record<string, string>; body: BodyInit },
): Promise<PushResult> {
  let url: URL
  try {
    url = new URL(path, registry.endsWith('/') ? registry : `${registry}/`)
  } catch {
    throw new MeshgateError('cli_usage_error', `\`${registry}\` is not a URL`)
  }
  let res: Response
  try {
    res = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) })
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    throw new MeshgateError('registry_unreachable', `cannot reach the registry at \`${url.origin}\`: ${cause?.code ?? cause?.message ?? (e as Error).message}`)
  }
  const text = await res.text()
  let body: Record<string, unknown> | undefined
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = undefined
  }
  if (res.ok) {
    const result = body?.result as Record<string, unknown> | undefined
    if (typeof result?.revision !== 'string' || typeof result.digest !== 'string') {
      throw new MeshgateError('registry_unreachable', `\`${url.origin}\` answered HTTP ${res.status} but not as a meshgate registry`)
    }
    return { ok: true, status: res.status, revision: result.revision, digest: result.digest, record: result }
  }
  // A code outside the catalog is not this API's envelope either.
  if (!isErrorCode(body?.code) || typeof body.message !== 'string') {
    throw new MeshgateError(
      'registry_unreachable',
      `\`${url.origin}\` answered HTTP ${res.status} without the registry's error envelope`,
      undefined,
      text.slice(0, 200) || undefined,
    )
  }
  const error: ErrorDetail & { errors?: unknown[] } = { code: body.code, message: body.message }
  if (Array.isArray(body.errors)) error.errors = body.errors
  return { ok: false, status: res.status, error }
}
