// Hostile and careless input over real HTTP, one test per class (nesting,
// encoding, media type, header injection, prototype keys): every answer is a
// 4xx in meshgate's envelope `{code, message, errors?}` (never fastify's,
// never a 500), and the sidecar keeps serving afterwards.

import t, { type Test } from 'tap'
import fc from 'fast-check'
import { request } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_JSON_DEPTH } from '../../src/server/index.js'
import { loadConfig } from '../../src/config/index.js'
import { startSidecar } from '../../src/server/index.js'
import { BUILTINS_MODULE, globalBundle, ordersBundle } from '../fixtures/engine/bundles.js'
import { AUDIENCE, ISSUER, PRODUCT_DIR, startJwks, startTestSidecar, type Jwks, type TestSidecar } from '../fixtures/server/sidecar.js'

let jwks: Jwks
let sc: TestSidecar
let analyst: string

t.before(async () => {
  jwks = await startJwks()
  sc = await startTestSidecar(jwks)
  analyst = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] }, clearance: 'low' })
})
t.teardown(async () => {
  await sc?.close()
  await jwks?.close()
})

interface Answer {
  status: number
  json: any
  text: string
  headers: Headers
}

async function call(
  path: string,
  init: { method?: string; raw?: string; body?: unknown; token?: string | null; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers }
  const token = init.token === undefined ? analyst : init.token
  if (token) headers.authorization = `Bearer ${token}`
  const body = init.body !== undefined ? JSON.stringify(init.body) : init.raw
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json'
  const res = await fetch((init.base ?? sc.base) + path, {
    method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(body !== undefined ? { body } : {}),
  })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** A 4xx in meshgate's envelope with `code`: only `code`, `message` and `errors` (or forward auth's `decision_id`). */
function refused(t: Test, r: Answer, status: number, code: string, what: string): void {
  t.equal(r.status, status, `${what}: status (${r.text.slice(0, 200)})`)
  t.equal(r.json?.code, code, `${what}: code`)
  t.type(r.json?.message, 'string', `${what}: message`)
  const extra = Object.keys(r.json ?? {}).filter((k) => !['code', 'message', 'errors', 'decision_id'].includes(k))
  t.same(extra, [], `${what}: nothing but the envelope`)
}

const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`

async function stillServing(t: Test): Promise<void> {
  t.equal((await call('/health', { token: null })).status, 200, 'still serving')
  t.equal((await call('/v1/decisions/access', { body: { port: 'orders-v1' } })).json?.allow, true, 'still deciding')
}

t.test('nesting: every JSON body and the GET input are limited, with a clear request_invalid', async (t) => {
  const limit = MAX_JSON_DEPTH
  t.ok(limit >= 64 && limit <= 512, `the limit (${limit}) is a documented constant in 64..512`)
  // The engine's decision cache used to throw a RangeError (500) on these.
  const data = await call('/v1/data/domains/orders/echo', { raw: `{"input":${deepObject(5000)}}`, token: null })
  refused(t, data, 400, 'request_invalid', 'input nested 5,000 deep on /v1/data')
  t.match(data.json.message, new RegExp(`nested deeper than ${limit}`))
  refused(
    t,
    await call('/v1/data/domains/orders/echo', { raw: `{"input":${deepArray(limit)}}`, token: null }),
    400,
    'request_invalid',
    'one level over the limit',
  )
  const under = await call('/v1/data/domains/orders/echo', { raw: `{"input":${deepArray(limit - 1)}}`, token: null })
  t.equal(under.status, 200, 'exactly at the limit is served')
  t.equal(JSON.stringify(under.json.result).length, 2 * (limit - 1))
  // Brackets inside strings are text, not nesting.
  const strings = await call('/v1/data/domains/orders/echo', { body: { input: { s: '['.repeat(10_000) } }, token: null })
  t.equal(strings.status, 200, 'brackets in strings do not count')
  t.equal(strings.json.result.s.length, 10_000)
  refused(
    t,
    await call(`/v1/data/domains/orders/echo?input=${encodeURIComponent(deepArray(2000))}`, { token: null }),
    400,
    'request_invalid',
    'GET ?input= nested 2,000 deep',
  )
  refused(t, await call('/', { raw: deepObject(5000), token: null }), 400, 'request_invalid', 'POST / nested 5,000 deep')
  refused(
    t,
    await call('/v1/decisions/access', { raw: `{"port":"orders-v1","request":{"headers":${deepObject(5000)}}}` }),
    400,
    'request_invalid',
    'decision body nested 5,000 deep',
  )
  // The anonymize stream parses records as they arrive; its bytes get the same limit.
  const deepRecord = `[{"order_id":${deepArray(5000)},"status":"paid"}]`
  refused(t, await call('/v1/ports/orders-v1/anonymize', { raw: deepRecord }), 400, 'request_invalid', 'a record nested 5,000 deep (JSON array)')
  refused(
    t,
    await call('/v1/ports/orders-v1/anonymize', { raw: `{"email":${deepObject(5000)}}\n`, headers: { 'content-type': 'application/x-ndjson' } }),
    400,
    'request_invalid',
    'a record nested 5,000 deep (NDJSON)',
  )
  const fine = await call('/v1/ports/orders-v1/anonymize', { raw: `[{"order_id":${deepArray(100)},"status":"paid"}]` })
  t.equal(fine.status, 200, 'a record under the limit streams')
  // A JSON Schema whose `items` nest 3,000 deep: the schema walkers used to overflow the stack.
  const proposed = `${'{"items":'.repeat(3000)}{"type":"string"}${'}'.repeat(3000)}`
  refused(
    t,
    await call('/v1/decisions/schema-compatibility', { raw: `{"port":"orders-v1","proposed":${proposed}}` }),
    400,
    'request_invalid',
    'proposed schema nested 3,000 deep',
  )
  await stillServing(t)
})

t.test('encoding: bad percent-encoding in a path answers in our envelope; segments are decoded once', async (t) => {
  refused(t, await call('/v1/data/a%ZZb', { token: null }), 400, 'request_malformed', '%ZZ in a /v1/data path')
  refused(t, await call('/v1/data/a%E0%A4%A', { token: null }), 400, 'request_malformed', 'truncated UTF-8 in a /v1/data path')
  refused(t, await call('/v1/data/global/limits%ZZ', { method: 'POST', body: { input: {} }, token: null }), 400, 'request_malformed', 'POST with %ZZ')
  refused(t, await call('/v1/ports/orders%ZZ/anonymize', { raw: '[]' }), 400, 'request_malformed', '%ZZ in a port name')
  // `%25ZZ` is the text `%ZZ`: decoding it twice used to throw (500).
  const once = await call('/v1/data/global/a%25ZZ', { token: null })
  t.equal(once.status, 200, '%25 decodes once')
  t.notOk('result' in (once.json ?? {}))
  refused(
    t,
    await call('/v1/decisions/schema-compatibility', { body: { port: 'orders-v1', proposed: { type: 'object', properties: { a: { $ref: '#/%ZZ' } } } } }),
    400,
    'schema_input_error',
    'a $ref with bad percent-encoding',
  )
  // As in OPA, an encoded slash stays inside its segment.
  const slash = await call('/v1/data/domains%2Forders/echo?input=1', { token: null })
  t.equal(slash.status, 200)
  t.notOk('result' in slash.json, '`domains/orders` is one key, not two')
  const spaced = await call('/v1/data/global/limits', { token: null })
  t.same(spaced.json.result, { max_rows: 10 })
  // Paths longer than fastify's default parameter length (100) are data paths too.
  const long = await call(`/v1/data/global/${'x'.repeat(300)}`, { token: null })
  t.equal(long.status, 200, 'a long data path is served')
  await stillServing(t)
})

t.test('media type: decision and data endpoints read JSON only', async (t) => {
  const plain = { 'content-type': 'text/plain' }
  const access = await call('/v1/decisions/access', { raw: '{"port":"orders-v1"}', headers: plain })
  refused(t, access, 415, 'request_media_type', 'text/plain on access')
  t.match(access.json.message, /`text\/plain`/, 'the message names what was sent')
  refused(
    t,
    await call('/v1/decisions/anonymization', { raw: '{"port":"orders-v1"}', headers: plain }),
    415,
    'request_media_type',
    'text/plain on anonymization',
  )
  refused(
    t,
    await call('/v1/decisions/schema-compatibility', { raw: '{"port":"orders-v1","proposed":{}}', headers: plain }),
    415,
    'request_media_type',
    'text/plain on compatibility',
  )
  refused(
    t,
    await call('/v1/data/global/limits', { raw: '{"input":{}}', headers: plain, token: null }),
    415,
    'request_media_type',
    'text/plain on the Data API',
  )
  refused(t, await call('/', { raw: 'hello', headers: plain, token: null }), 415, 'request_media_type', 'text/plain on the default decision')
  const json = await call('/v1/decisions/access', { raw: '{"port":"orders-v1"}', headers: { 'content-type': 'application/json; charset=utf-8' } })
  t.equal(json.status, 200, 'application/json with a charset is read')
})

t.test('header injection and encoding: forward auth never fails on what it echoes', async (t) => {
  const fa = (headers: Record<string, string>, token?: string) =>
    call('/v1/forward-auth?port=orders-v1&purpose=reporting', { headers, ...(token !== undefined ? { token } : {}) })
  refused(t, await fa({ 'x-original-uri': 'http://[::1' }), 403, 'request_invalid', 'X-Original-URI that is not a URL')
  refused(t, await fa({ 'x-forwarded-uri': 'http://[::1' }), 403, 'request_invalid', 'X-Forwarded-Uri that is not a URL')
  const crlf = await jwks.mint({ sub: 'ann\r\nx-evil: 1', realm: { roles: ['analyst'] } })
  const injected = await fa({ 'x-original-uri': '/orders' }, crlf)
  refused(t, injected, 401, 'token_invalid', 'a `sub` holding CRLF')
  t.match(injected.json.message, /`sub`/)
  t.equal(injected.headers.get('x-evil'), null, 'no header was injected')
  refused(t, await call('/v1/decisions/access', { body: { port: 'orders-v1' }, token: crlf }), 401, 'token_invalid', 'CRLF `sub` on a decision endpoint')
  const nulRole = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst\u0000admin'] } })
  refused(t, await call('/v1/decisions/access', { body: { port: 'orders-v1' }, token: nulRole }), 401, 'token_invalid', 'a role holding NUL')
  // Non-Latin-1 subjects are legitimate; the header carries them percent-encoded.
  const han = await fa({ 'x-original-uri': '/orders' }, await jwks.mint({ sub: '李 100%', realm: { roles: ['analyst'] } }))
  t.equal(han.status, 200, han.text)
  t.equal(han.headers.get('x-meshgate-subject'), '%E6%9D%8E 100%25')
  t.equal(decodeURIComponent(han.headers.get('x-meshgate-subject')!), '李 100%')
  const twice = await call('/v1/forward-auth?port=orders-v1&port=other', {})
  refused(t, twice, 403, 'request_invalid', '`port` given twice')
  await stillServing(t)
})

t.test('prototype keys are not output ports', async (t) => {
  for (const port of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    refused(t, await call('/v1/decisions/access', { body: { port } }), 404, 'port_not_found', `access, port \`${port}\``)
    refused(t, await call('/v1/decisions/anonymization', { body: { port } }), 404, 'port_not_found', `anonymization, port \`${port}\``)
    refused(t, await call(`/v1/ports/${port}/anonymize`, { raw: '[]' }), 404, 'port_not_found', `anonymize stream, port \`${port}\``)
    refused(t, await call(`/v1/forward-auth?port=${port}`, {}), 403, 'port_not_found', `forward auth, port \`${port}\``)
  }
})

t.test('a bundle revision outside Latin-1 goes into headers as ASCII JSON', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-bad-input-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'global.tar.gz'), await globalBundle('g-李\u2028'))
  await writeFile(join(dir, 'orders.tar.gz'), await ordersBundle('o1'))
  await writeFile(
    join(dir, 'meshgate.yaml'),
    [
      'server: { addr: "127.0.0.1:0" }',
      `product: { domain: orders, dir: ${JSON.stringify(PRODUCT_DIR)} }`,
      'bundles:',
      '  global: { resource: global.tar.gz }',
      '  orders: { resource: orders.tar.gz }',
      'auth:',
      `  issuer: ${ISSUER}`,
      `  audience: ${AUDIENCE}`,
      '  algorithms: [RS256]',
      `  jwks_url: ${jwks.url}`,
      '  claims: { roles: realm.roles }',
      'anonymize: { key: test-key-0123456789abcdef }',
      '',
    ].join('\n'),
  )
  const other = await startSidecar(await loadConfig(join(dir, 'meshgate.yaml')), { builtinsModule: BUILTINS_MODULE })
  t.teardown(() => other.close())
  const expected = { global: 'g-李\u2028', 'domains/orders': 'o1' }
  for (const [what, r] of [
    ['access', await call('/v1/decisions/access', { base: other.url, body: { port: 'orders-v1' } })],
    ['data', await call('/v1/data/global/limits', { base: other.url, token: null })],
    ['forward auth', await call('/v1/forward-auth?port=orders-v1', { base: other.url })],
    ['anonymize', await call('/v1/ports/orders-v1/anonymize', { base: other.url, raw: '[]' })],
  ] as const) {
    t.equal(r.status, 200, `${what}: ${r.text.slice(0, 200)}`)
    const header = r.headers.get('x-meshgate-revisions')!
    t.match(header, /^[\x20-\x7e]+$/, `${what}: printable ASCII`)
    t.same(JSON.parse(header), expected, `${what}: the same revisions`)
  }
})

/** One raw HTTP/1.1 exchange, for what fetch refuses to send. */
function rawHttp(text: string): Promise<{ status: number; json: any }> {
  const { port, hostname } = new URL(sc.base)
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(Number(port), hostname, () => socket.end(text))
      let out = ''
      socket
        .setEncoding('utf8')
        .on('data', (d: string) => {
          out += d
        })
        .on('error', () => {})
        .on('close', () => {
          const m = /^HTTP\/1\.1 (\d+)[^]*?\r\n\r\n([^]*)$/.exec(out)
          if (!m) return reject(new Error(`no HTTP answer: ${out.slice(0, 200)}`))
          let json: any
          try {
            json = JSON.parse(m[2]!)
          } catch {
            json = undefined
          }
          resolve({ status: Number(m[1]), json })
        })
    }, reject)
  })
}

t.test('what the HTTP parser refuses is answered in our envelope too', async (t) => {
  const body = '{"port":"orders-v1"}'
  const short = await rawHttp(
    `POST /v1/decisions/access HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${analyst}\r\nContent-Length: 5\r\n\r\n${body}`,
  )
  refused(t, { ...short, text: JSON.stringify(short.json), headers: new Headers() }, 400, 'request_malformed', 'a body longer than its content-length')
  const big = await rawHttp(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  refused(t, { ...big, text: JSON.stringify(big.json), headers: new Headers() }, 431, 'request_headers_too_large', 'headers over the limit')
  await stillServing(t)
})

t.test('fuzz: any method, path, content type, headers and body: never a 5xx, errors always in our envelope', async (t) => {
  const routes = [
    '/v1/decisions/access',
    '/v1/decisions/anonymization',
    '/v1/decisions/schema-compatibility',
    '/v1/ports/orders-v1/anonymize',
    '/v1/ports/nope/anonymize',
    '/v1/data/domains/orders/echo',
    '/v1/data/global/limits',
    '/',
    '/v1/forward-auth',
    '/health',
    '/v1/nothing',
  ]
  const printable = (max: number) => fc.string({ maxLength: max, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  const nested = fc
    .integer({ min: 1, max: 400 })
    .chain((n) => fc.constantFrom(deepArray(n), deepObject(n), `{"port":"orders-v1","proposed":${'{"items":'.repeat(n)}{}${'}'.repeat(n)}}`))
  const body = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc
      .record({
        port: fc.oneof(fc.constant('orders-v1'), fc.string({ maxLength: 20 })),
        purpose: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        fields: fc.option(fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }), { nil: undefined }),
        proposed: fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
      })
      .map((o) => JSON.stringify(o)),
    fc.array(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), { maxLength: 4 }).map((a) => JSON.stringify(a)),
    nested,
    fc.string({ maxLength: 200 }),
  )
  const tokens = [analyst, 'garbage', '', await jwks.mint({ sub: 'x\u0085y' })]
  const arb = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
    route: fc.constantFrom(...routes),
    query: fc.option(
      printable(30).filter((q) => !q.includes('#')),
      { nil: undefined },
    ),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'text/plain',
      'application/x-ndjson',
      'application/json; charset=utf-8',
      'multipart/form-data',
      '*/*',
    ),
    token: fc.option(fc.constantFrom(...tokens), { nil: undefined }),
    uri: fc.option(printable(40), { nil: undefined }),
    portHeader: fc.option(printable(20), { nil: undefined }),
    body: fc.option(body, { nil: undefined }),
  })
  let requests = 0
  await fc.assert(
    fc.asyncProperty(arb, async (r) => {
      const headers: Record<string, string> = {}
      if (r.contentType) headers['content-type'] = r.contentType
      if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`
      if (r.uri !== undefined) headers['x-original-uri'] = r.uri
      if (r.portHeader !== undefined) headers['x-meshgate-port'] = r.portHeader
      const path = r.route + (r.query !== undefined ? `?${r.query}` : '')
      const hasBody = r.body !== undefined && r.method !== 'GET'
      // Node's client frames a DELETE or OPTIONS body with neither length nor
      // chunks; the server would rightly read it as a second, broken request.
      if (hasBody) headers['content-length'] = String(Buffer.byteLength(r.body!))
      const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const { port, hostname } = new URL(sc.base)
        const req = request({ host: hostname, port, method: r.method, path, headers, agent: false }, (m) => {
          let text = ''
          m.setEncoding('utf8')
            .on('data', (d: string) => {
              text += d
            })
            .on('end', () => resolve({ status: m.statusCode!, text }))
        })
        req.on('error', reject)
        req.end(hasBody ? r.body : undefined)
      })
      requests++
      if (res.status >= 500) throw new Error(`${res.status} for ${r.method} ${path}: ${res.text.slice(0, 300)}`)
      if (res.status >= 400 && r.method !== 'HEAD') {
        const json = JSON.parse(res.text)
        const extra = Object.keys(json).filter((k) => !['code', 'message', 'errors', 'decision_id'].includes(k))
        if (typeof json.code !== 'string' || typeof json.message !== 'string' || extra.length)
          throw new Error(`not our envelope for ${r.method} ${path}: ${res.text.slice(0, 300)}`)
      }
    }),
    { numRuns: 400, seed: 20_240_611 },
  )
  t.equal(requests, 400, 'every generated request was answered')
  await stillServing(t)
})
