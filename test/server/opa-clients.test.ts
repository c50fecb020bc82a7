// OPA's clients and gateway plugins against the sidecar's Data API, over real
// HTTP and unchanged: the official npm client (@open-policy-agent/opa), and the
// request and answer shapes of Kong's and APISIX's opa plugins. The policies
// are Rego compiled by meshgate's compiler into a bundle for the global layer.

import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OPAClient } from '@open-policy-agent/opa'
import { compile } from '../../dist/src/compiler.js'
import { writeBundle } from '../../src/bundle/index.js'
import { loadConfig } from '../../src/config/index.js'
import { startSidecar, type Sidecar } from '../../src/server/index.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// Kong's opa_path points at a rule: a boolean (`allow`) or an object with
// `allow`, and optionally `status`, `headers` and `message` (`decision`).
const GATEWAY = `package global.gateway

default allow := false

allow if input.request.http.method == "GET"

default decision := {"allow": false, "status": 418, "headers": {"x-opa": "rejected"}, "message": "only GET"}

decision := {"allow": true, "headers": {"x-opa": "accepted", "x-client-ip": input.client_ip}} if allow
`

// APISIX's \`policy\` points at a package: its document must be an object with
// \`allow\`, and optionally \`reason\`, \`headers\` and \`status_code\`. Rules that
// are undefined are left out of the package document, as OPA does.
const APISIX = `package global.apisix

default allow := false

allow if {
  input.type == "http"
  input.request.method == "GET"
  startswith(input.request.path, "/get")
  input.request.headers["test-header"] == "only-for-test"
}

reason := "test-header is missing or the method is not GET" if not allow

headers := {"location": "http://example.com/auth"} if not allow

status_code := 302 if not allow
`

// OPA's default decision (`POST /`, raw input as the body, the bare value as the
// answer) is \`data.system.main\`, reachable only from a standalone bundle.
const SYSTEM_MAIN = `package system

main := {"allow": input.user == "alice"}
`

const ENTRYPOINTS = [
  'global/gateway/allow',
  'global/gateway/decision',
  'global/apisix/allow',
  'global/apisix/reason',
  'global/apisix/headers',
  'global/apisix/status_code',
]

let sc: Sidecar
let standalone: Sidecar
let dir: string

async function bundleOf(modules: { path: string; source: string }[], entrypoints: string[], root: string, revision: string): Promise<Buffer> {
  const r = await compile({ modules, entrypoints })
  return writeBundle({
    manifest: { revision, roots: [root], wasm: Object.keys(r.entrypoints).map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })), rego_version: 1 },
    wasm: r.wasm,
    sources: modules,
    packages: modules.map((m) => /^package ([\w.]+)/.exec(m.source)![1]!),
  })
}

t.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mg-opa-clients-'))
  await writeFile(
    join(dir, 'global.tar.gz'),
    await bundleOf(
      [
        { path: 'gateway.rego', source: GATEWAY },
        { path: 'apisix.rego', source: APISIX },
      ],
      ENTRYPOINTS,
      'global',
      'gw1',
    ),
  )
  await writeFile(join(dir, 'system.tar.gz'), await bundleOf([{ path: 'system.rego', source: SYSTEM_MAIN }], ['system/main'], '', 's1'))
  // No product and no auth (chosen explicitly): the Data API needs neither, as OPA without authn.
  await writeFile(join(dir, 'meshgate.yaml'), 'server:\n  addr: 127.0.0.1:0\nbundles:\n  global:\n    resource: global.tar.gz\nauth: { mode: none }\n')
  await writeFile(
    join(dir, 'standalone.yaml'),
    'server:\n  addr: 127.0.0.1:0\nbundles:\n  system:\n    resource: system.tar.gz\n    layer: standalone\nauth: { mode: none }\n',
  )
  sc = await startSidecar(await loadConfig(join(dir, 'meshgate.yaml')), { logger: false })
  standalone = await startSidecar(await loadConfig(join(dir, 'standalone.yaml')), { logger: false })
})
t.teardown(async () => {
  await sc?.close()
  await standalone?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** What a gateway plugin does: POST `{input}` to `/v1/data/<path>` and parse the JSON answer. */
async function postData(path: string, input: unknown) {
  const res = await fetch(`${sc.url}/v1/data/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type'), json, text }
}

const kongInput = (method: string) => ({
  request: {
    http: {
      host: 'example.org',
      port: '8000',
      tls: {},
      method,
      scheme: 'http',
      path: '/foo/bar',
      querystring: { foo: 'bar' },
      headers: { accept: '*/*', connection: 'keep-alive' },
    },
  },
  client_ip: '127.0.0.1',
})

const apisixInput = (method: string, headers: Record<string, string>) => ({
  type: 'http',
  request: {
    scheme: 'http',
    path: '/get',
    headers: { 'user-agent': 'curl/7.68.0', accept: '*/*', host: '127.0.0.1:9080', ...headers },
    query: {},
    port: 9080,
    method,
    host: '127.0.0.1',
  },
  var: { timestamp: 1701234567, server_addr: '127.0.0.1', server_port: '9080', remote_port: '41234', remote_addr: '127.0.0.1' },
})

t.test('the official OPA npm client gets what a raw /v1/data fetch gets', async (t) => {
  const client = new OPAClient(sc.url)
  for (const method of ['GET', 'DELETE']) {
    const input = kongInput(method)
    const raw = await postData('global/gateway/allow', input)
    t.equal(raw.status, 200, raw.text)
    t.equal(raw.json.result, method === 'GET', `raw allow for ${method}`)
    t.equal(await client.evaluate('global/gateway/allow', input), raw.json.result, `client allow for ${method}`)
    const rawDecision = await postData('global/gateway/decision', input)
    t.same(await client.evaluate('global/gateway/decision', input), rawDecision.json.result, `client decision object for ${method}`)
  }
  // The client percent-encodes the path (`/v1/data/global%2Fgateway%2Fallow`); the sidecar reads it as OPA does.
  const encoded = await fetch(`${sc.url}/v1/data/${encodeURIComponent('global/gateway/allow')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: kongInput('GET') }),
  })
  t.equal((await encoded.json()).result, true)
  // Without input the client POSTs no body (executePolicy): `allow` falls to its default.
  t.equal(await client.evaluate('global/gateway/allow'), false)
  // A package document, assembled from its rules.
  const pkg = await client.evaluate<any, Record<string, unknown>>('global/apisix', apisixInput('GET', {}))
  t.same(pkg, (await postData('global/apisix', apisixInput('GET', {}))).json.result)
  t.equal(pkg.status_code, 302)
  // `fromResult` sees the same `result` value.
  t.equal(await client.evaluate('global/gateway/allow', kongInput('GET'), { fromResult: (r?: unknown) => (r === true ? 'yes' : 'no') }), 'yes')
})

t.test('Kong opa plugin: boolean and object results', async (t) => {
  const allowed = await postData('global/gateway/allow', kongInput('GET'))
  // Kong needs 200 and a JSON `result` that is a boolean or an object; anything else is its 500.
  t.equal(allowed.status, 200)
  t.match(allowed.contentType, /^application\/json/)
  t.equal(typeof allowed.json.result, 'boolean')
  t.equal(allowed.json.result, true)
  t.match(allowed.json.decision_id, UUID)
  const denied = await postData('global/gateway/allow', kongInput('POST'))
  t.equal(denied.status, 200)
  t.equal(denied.json.result, false)

  const ok = await postData('global/gateway/decision', kongInput('GET'))
  t.equal(ok.status, 200)
  t.same(ok.json.result, { allow: true, headers: { 'x-opa': 'accepted', 'x-client-ip': '127.0.0.1' } }, 'headers Kong injects upstream')
  const no = await postData('global/gateway/decision', kongInput('PUT'))
  t.equal(no.status, 200)
  t.same(no.json.result, { allow: false, status: 418, headers: { 'x-opa': 'rejected' }, message: 'only GET' }, 'status, headers and message Kong answers with')
  t.equal(typeof no.json.result.status, 'number', 'status is a JSON number, not a string')
})

t.test('APISIX opa plugin: result.allow, reason, headers, status_code', async (t) => {
  const ok = await postData('global/apisix', apisixInput('GET', { 'test-header': 'only-for-test' }))
  t.equal(ok.status, 200, ok.text)
  t.match(ok.contentType, /^application\/json/)
  t.same(ok.json.result, { allow: true }, 'undefined rules are left out of the package document')
  t.match(ok.json.decision_id, UUID)
  const no = await postData('global/apisix', apisixInput('GET', {}))
  t.equal(no.status, 200)
  t.same(no.json.result, {
    allow: false,
    reason: 'test-header is missing or the method is not GET',
    headers: { location: 'http://example.com/auth' },
    status_code: 302,
  })
  const post = await postData('global/apisix', apisixInput('POST', { 'test-header': 'only-for-test' }))
  t.equal(post.json.result.allow, false)
  // The same rule read on its own, as a policy path of `<package>/<decision>` names it.
  const rule = await postData('global/apisix/allow', apisixInput('GET', { 'test-header': 'only-for-test' }))
  t.equal(rule.json.result, true)
})

// OPA's default decision: `POST /` with the bare input answers the bare value
// of data.system.main (OPAClient.evaluateDefault uses it).

t.test('the official OPA npm client: evaluateDefault', async (t) => {
  const viaData = await fetch(`${standalone.url}/v1/data/system/main`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { user: 'alice' } }),
  })
  t.same((await viaData.json()).result, { allow: true }, 'data.system.main itself is served')
  const raw = await fetch(`${standalone.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice' }) })
  const text = await raw.text()
  t.equal(raw.status, 200, `POST / answers 200 (got ${raw.status} ${text})`)
  t.same(raw.status === 200 ? JSON.parse(text) : text, { allow: true }, 'POST / answers the bare value of data.system.main')
  const client = new OPAClient(standalone.url)
  const got = await client.evaluateDefault({ user: 'alice' }).catch((e: unknown) => `threw ${String(e)}`)
  t.same(got, { allow: true }, 'evaluateDefault')
  const undef = await fetch(`${standalone.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bob' }) })
  t.equal(undef.status, 200, 'a defined false answer is still 200')
  t.same(await undef.json(), { allow: false })
})
