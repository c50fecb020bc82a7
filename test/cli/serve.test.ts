// `policy serve`: the built binary started as a child process, as `npm start`
// runs it. The example mode builds the worked mesh into a temp bundle dir,
// listens on port 0, and prints sample requests whose development tokens must
// really work: one allowed, one denied by the global layer. Then config mode
// from a YAML file, config errors at file:row:col, and a clean SIGTERM.
// Every wait is bounded by a deadline; nothing sleeps to synchronise.

import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readBundle } from '../../src/bundle/index.js'
import { loadConfig } from '../../src/config/index.js'
import { bin, policy, repo, workspace } from './fixtures/run-policy.js'

// Compiling two layers on a loaded CI machine takes seconds, not minutes.
const START_MS = 120_000
const EXIT_MS = 20_000

interface Served {
  proc: ChildProcess
  url: string
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (or signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `policy serve …` and resolves once it has printed `until` (the banner is written in one piece). */
async function serve(t: Test, args: string[], until: RegExp, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), bin, 'serve', ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  })
  let out = ''
  let err = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })))
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL')
      await exited
    }
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${until} on stdout within ${START_MS} ms\nstdout: ${out}\nstderr: ${err}`)), START_MS)
    const check = () => {
      if (until.test(out)) done()
    }
    const early = () => done(new Error(`policy serve exited before it was ready\nstdout: ${out}\nstderr: ${err}`))
    function done(e?: Error) {
      clearTimeout(timer)
      proc.stdout!.off('data', check)
      proc.off('exit', early)
      if (e) reject(e)
      else resolve()
    }
    proc.stdout!.on('data', check)
    proc.once('exit', early)
    check()
  })
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
  if (!url) throw new Error(`no URL in the banner:\n${out}`)
  return { proc, url, stdout: () => out, stderr: () => err, exited }
}

/** SIGTERM, then the exit it causes, bounded. */
async function stop(s: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  s.proc.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no exit within ${EXIT_MS} ms after SIGTERM`)), EXIT_MS)
  })
  try {
    return await Promise.race([s.exited, deadline])
  } finally {
    clearTimeout(timer)
  }
}

interface Sample {
  title: string
  url: string
  token: string
  body: unknown
}

/** The printed curl commands, read back as a user would copy them. */
function samples(stdout: string): Sample[] {
  const re =
    /^# (.+)\n# development token for .+\ncurl -s -X POST (\S+) \\\n {2}-H 'Authorization: Bearer ([^']+)' \\\n {2}-H 'Content-Type: application\/json' \\\n {2}-d '([^']+)'$/gm
  return [...stdout.matchAll(re)].map((m) => ({ title: m[1]!, url: m[2]!, token: m[3]!, body: JSON.parse(m[4]!) }))
}

async function post(s: Sample): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(s.body),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

const bundleDir = mkdtempSync(join(tmpdir(), 'mg-serve-bundles-'))
t.teardown(() => rmSync(bundleDir, { recursive: true, force: true }))

t.test('--example builds the mesh, serves it, and its sample requests answer as printed', async (t) => {
  const s = await serve(t, ['--example', '--addr', '127.0.0.1:0', '--bundle-dir', bundleDir], /Ctrl-C stops the sidecar/)
  t.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'port 0 is replaced by the real port')
  t.notMatch(s.url, /:0$/)
  t.match(s.stdout(), /DEVELOPMENT TOKENS/, 'the tokens are labelled as development tokens')
  t.match(
    s.stdout(),
    /^ {2}auth: bearer JWTs from https:\/\/meshgate\.invalid\/dev-idp, keys from .*jwks\.json$/m,
    'the banner says how requests are authenticated',
  )
  t.notMatch(s.stdout() + s.stderr(), /AUTHENTICATION IS OFF/)

  // The bundles: written into the given dir, roots per layer, no tests inside.
  const revisions: Record<string, string> = {}
  for (const [file, root, layer] of [
    ['global.tar.gz', 'global', 'global'],
    ['orders.tar.gz', 'domains/orders', 'domains/orders'],
  ] as const) {
    const b = readBundle(readFileSync(join(bundleDir, file)), file)
    t.same(b.manifest.roots, [root], `${file} roots`)
    t.ok(b.wasm.get('/policy.wasm'), `${file} holds policy.wasm`)
    t.ok(b.sources.length > 0, `${file} holds its sources`)
    t.notOk(
      b.sources.some((x) => x.path.endsWith('_test.rego') || x.path.startsWith('fixtures/')),
      `${file} leaves tests and fixtures out`,
    )
    revisions[layer] = b.manifest.revision
  }
  t.same(readdirSync(bundleDir).sort(), ['global.tar.gz', 'orders.tar.gz'], 'no temp files left behind')

  const health = await fetch(`${s.url}/health?bundles`, { signal: AbortSignal.timeout(10_000) })
  t.equal(health.status, 200, 'every bundle is active')
  t.same(await health.json(), {})

  const [allowed, denied, ...rest] = samples(s.stdout())
  t.equal(rest.length, 0, 'two sample requests')
  t.ok(allowed && denied, 'both sample requests are printed as curl commands')
  t.equal(allowed!.url, `${s.url}/v1/decisions/access`)

  const a = await post(allowed!)
  t.equal(a.status, 200)
  t.equal(a.body.allow, true, allowed!.title)
  t.same(a.body.deny, [])
  t.same(a.body.allowed_by, ['domains/orders'])
  t.same(a.body.revisions, revisions, 'the answer names the revisions of the bundles just built')
  t.match(a.body.decision_id, /^[0-9a-f-]{36}$/)

  const d = await post(denied!)
  t.equal(d.status, 200)
  t.equal(d.body.allow, false, denied!.title)
  t.match(d.body.deny, [{ layer: 'global', code: 'residency', message: /stays in eu; the subject is in us/ }], 'the reason and the layer that gave it')
  t.equal(d.body.deny.length, 1)
  t.same(d.body.allowed_by, ['domains/orders'], 'the domain allowed, the global deny wins')

  const noToken = await fetch(allowed!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(allowed!.body) })
  t.equal(noToken.status, 401, 'auth is on in example mode')

  const exit = await stop(s)
  t.same(exit, { code: 0, signal: null }, 'SIGTERM closes cleanly with exit 0')
  t.match(s.stderr(), /SIGTERM: closing/)
})

t.test('--config serves from a YAML file; with --insecure-no-auth the subject is anonymous, and the banner and log say so', async (t) => {
  t.ok(existsSync(join(bundleDir, 'global.tar.gz')), 'bundles from the example run')
  const dir = workspace(t, {
    'meshgate.yaml': [
      'server:',
      '  addr: 127.0.0.1:8181',
      'product:',
      '  domain: orders',
      `  dir: ${JSON.stringify(join(repo, 'policies', 'domains', 'orders'))}`,
      'bundles:',
      '  global:',
      `    resource: ${JSON.stringify(join(bundleDir, 'global.tar.gz'))}`,
      '  orders:',
      `    resource: ${JSON.stringify(join(bundleDir, 'orders.tar.gz'))}`,
      '',
    ].join('\n'),
  })
  const moduleLog = join(dir, 'modules.txt')
  const s = await serve(t, ['--config', join(dir, 'meshgate.yaml'), '--addr', '127.0.0.1:0', '--insecure-no-auth'], /health: /, {
    execArgv: ['--import', join(repo, 'test', 'cli', 'fixtures', 'record-modules.mjs')],
    env: { MODULE_LOG: moduleLog },
  })
  t.match(
    s.stdout(),
    /^meshgate sidecar listening on \S+\n {2}WARNING: AUTHENTICATION IS OFF: no bearer token is checked .* \(--insecure-no-auth\)$/m,
    'the banner says it first, loudly',
  )
  t.match(s.stderr(), /"level":40.*AUTHENTICATION IS OFF/, 'and the log, at warn')
  t.match(s.stdout(), /layer global: .*revision global-[0-9a-f]{12}/)
  t.match(s.stdout(), /layer domains\/orders: .*revision orders-[0-9a-f]{12}/)
  const res = await fetch(`${s.url}/v1/decisions/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1', purpose: 'reporting', fields: ['order_id'] }),
  })
  t.equal(res.status, 200)
  const body = (await res.json()) as { allow: boolean; deny: { layer: string; code: string }[] }
  t.equal(body.allow, false)
  t.ok(
    body.deny.some((r) => r.layer === 'global' && r.code === 'anonymous_subject'),
    'the global layer denies the anonymous subject',
  )
  t.same(await stop(s), { code: 0, signal: null })
  // Prebuilt bundles need no compiler, `--config` no embedded registry, and a
  // config without `decision_logs` no decision logger: the serve path must
  // not load them (issue 13: start-up and memory).
  const loaded = readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean)
  t.ok(
    loaded.some((u) => u.endsWith('/dist/src/server/serve.js')),
    'the log records the modules the sidecar loaded',
  )
  const unneeded = [
    /\/dist\/src\/compiler\.js$/,
    /\/dist\/src\/(wasm|plan|check|registry)\//,
    /\/node_modules\/wabt\//,
    /\/dist\/src\/cli\/serve\/example-/,
    /\/dist\/src\/decision-log\//,
  ]
  t.same(
    loaded.filter((u) => unneeded.some((re) => re.test(u))),
    [],
    'no compiler, wabt, embedded registry, worked-example or decision-log module',
  )
})

t.test('a config with a missing bundle starts, says the layer is inactive, and fails closed', async (t) => {
  const dir = workspace(t, { 'meshgate.yaml': 'bundles:\n  global:\n    resource: nowhere.tar.gz\nauth: { mode: none }\n' })
  const s = await serve(t, ['--config', join(dir, 'meshgate.yaml'), '--addr', '127.0.0.1:0', '--log-level', 'silent'], /health: /)
  t.match(s.stdout(), /WARNING: AUTHENTICATION IS OFF.*\(auth: \{ mode: none \}\)/, 'auth off from the config is announced too')
  t.match(s.stdout(), /layer global: INACTIVE \(.*nowhere\.tar\.gz` does not exist\); decisions answer 503/)
  const health = await fetch(`${s.url}/health?bundles`)
  t.equal(health.status, 500)
  t.same(await stop(s), { code: 0, signal: null })
})

t.test('config errors point at file:row:col with the line, exit 2', async (t) => {
  const dir = workspace(t, { 'meshgate.yaml': 'server:\n  adr: 127.0.0.1:8181\nbundles:\n  global:\n    resource: g.tar.gz\n' })
  const r = policy(['serve', '--config', 'meshgate.yaml'], dir)
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^meshgate\.yaml:2:3: config_error: `\/server` has unknown field `adr`\n\t {2}adr: 127\.0\.0\.1:8181\n\t {2}\^\n/)

  writeFileSync(join(dir, 'meshgate.yaml'), 'server: [\n')
  const y = policy(['serve', '--config', 'meshgate.yaml'], dir)
  t.equal(y.code, 2)
  t.match(y.stderr, /^meshgate\.yaml:\d+:\d+: config_error: not valid YAML/)

  const missing = policy(['serve', '--config', 'nope.yaml'], dir)
  t.equal(missing.code, 2)
  t.match(missing.stderr, /config_error: cannot read config `nope\.yaml`/)

  // A JWKS file that does not exist is a config error at start, not a 500 at the first request.
  writeFileSync(
    join(dir, 'meshgate.yaml'),
    'bundles:\n  global: { resource: g.tar.gz }\nauth:\n  issuer: https://idp\n  audience: meshgate\n  algorithms: [RS256]\n  jwks_file: jwks.json\n',
  )
  const jwks = policy(['serve', '--config', 'meshgate.yaml', '--addr', '127.0.0.1:0'], dir)
  t.equal(jwks.code, 2)
  t.equal(jwks.stdout, '')
  t.match(jwks.stderr, /^meshgate\.yaml:7:14: config_error: `\/auth\/jwks_file` `.*jwks\.json` does not exist\n\t {2}jwks_file: jwks\.json\n\t {13}\^\n/)
})

t.test('a config without auth is an error unless --insecure-no-auth is given; the flag does not override a configured auth', async (t) => {
  const dir = workspace(t, { 'meshgate.yaml': 'server:\n  addr: 127.0.0.1:0\nbundles:\n  global: { resource: g.tar.gz }\n' })
  const r = policy(['serve', '--config', 'meshgate.yaml'], dir)
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.match(
    r.stderr,
    /^meshgate\.yaml:1:1: config_error: the config has no `auth`: set `auth` to verify bearer tokens, or `auth: \{ mode: none \}` \(or `policy serve --insecure-no-auth`\) to serve without authentication\n/,
  )

  writeFileSync(join(dir, 'jwks.json'), '{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}')
  writeFileSync(
    join(dir, 'meshgate.yaml'),
    'server:\n  addr: 127.0.0.1:0\nbundles:\n  global: { resource: g.tar.gz }\nauth: { issuer: i, audience: a, algorithms: [RS256], jwks_file: jwks.json }\n',
  )
  const both = policy(['serve', '--config', 'meshgate.yaml', '--insecure-no-auth'], dir)
  t.equal(both.code, 2)
  t.match(both.stderr, /cli_usage_error: .*`--insecure-no-auth` is for a config without `auth`, and this config sets `auth`/)
})

t.test('usage errors: no mode, both modes, a bad address', async (t) => {
  const dir = workspace(t, {})
  for (const [args, msg] of [
    [[], /name a config with `--config <file>`, or serve the worked example with `--example`/],
    [['--example', '--config', 'x.yaml'], /cannot be used together/],
    [['--example', '--addr', 'localhost'], /address `localhost` is not host:port/],
    [['--config', 'x.yaml', '--bundle-dir', 'b'], /apply only with `--example`/],
    [['--example', '--insecure-no-auth'], /`--insecure-no-auth` does not apply to `--example`/],
  ] as const) {
    const r = policy(['serve', ...args], dir)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, msg)
    t.match(r.stderr, /cli_usage_error/)
  }
  const h = policy(['serve', '--help'], dir)
  t.equal(h.code, 0)
  t.match(h.stdout, /--example/)
})

t.test('config/example.yaml is a valid config for the example bundles', async (t) => {
  const cfg = await loadConfig(join(repo, 'config', 'example.yaml'), {})
  t.same(
    cfg.bundles.map((b) => [b.name, b.layer, b.resource]),
    [
      ['global', 'global', join(repo, 'bundles', 'global.tar.gz')],
      ['orders', 'domain', join(repo, 'bundles', 'orders.tar.gz')],
    ],
  )
  t.same(cfg.product, { domain: 'orders', dir: join(repo, 'policies', 'domains', 'orders') })
  t.same({ host: cfg.server.host, port: cfg.server.port }, { host: '127.0.0.1', port: 8181 })
  t.ok(cfg.auth?.jwks_url, 'auth from an identity provider')
})

t.test('--example --watch: the whole loop; a saved edit is rebuilt, signed, published to the embedded registry and served', async (t) => {
  const policies = mkdtempSync(join(tmpdir(), 'mg-serve-policies-'))
  t.teardown(() => rmSync(policies, { recursive: true, force: true }))
  cpSync(join(repo, 'policies'), policies, { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'mg-serve-watch-bundles-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const s = await serve(t, ['--example', '--watch', '--addr', '127.0.0.1:0', '--bundle-dir', dir, '--policies', policies], /watch: rebuilding/)
  t.match(s.stdout(), /registry: http:\/\/127\.0\.0\.1:\d+ \(embedded/, 'the banner names the embedded registry')
  t.match(s.stdout(), /edit a \.rego file/, 'and says how a change reaches the sidecar')
  const [allowed] = samples(s.stdout())
  const before = await post(allowed!)
  t.equal(before.body.allow, true, 'allowed before the edit')
  const registryUrl = /registry: (http:\/\/\S+)/.exec(s.stdout())![1]!
  const list = (await (await fetch(`${registryUrl}/v1/bundles`)).json()) as { result?: { name: string }[] }
  t.same((list.result ?? []).map((b) => b.name).sort(), ['global', 'orders'], 'both layers were published to the registry')

  // The governance group freezes reporting reads: one saved line.
  appendFileSync(
    join(policies, 'global', 'access.rego'),
    '\ndeny contains {"code": "freeze", "message": "reporting reads are frozen"} if input.purpose == "reporting"\n',
  )
  let after = before
  for (let i = 0; i < 200 && after.body.allow !== false; i++) {
    await new Promise((r) => setTimeout(r, 50))
    after = await post(allowed!)
  }
  t.equal(after.body.allow, false, 'the saved edit is enforced')
  t.match(after.body.deny, [{ layer: 'global', code: 'freeze' }])
  t.not(after.body.revisions.global, before.body.revisions.global, 'by a new global revision')
  // The sidecar may serve the new revision before the watcher, polling for it, says so: wait for the line (bounded).
  const said = /watch: published global revision \S+; the sidecar serves it/
  for (let i = 0; i < 200 && !said.test(s.stdout()); i++) await new Promise((r) => setTimeout(r, 50))
  t.match(s.stdout(), said)
  t.same(await stop(s), { code: 0, signal: null })
})
