// End to end through a real nginx: `auth_request` to the sidecar's forward-
// auth endpoint, in front of a tiny upstream, all on loopback. nginx runs in
// the foreground from a generated config in a temp dir and is stopped by pid.

import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startJwks, startTestSidecar } from '../fixtures/server/sidecar.js'
import { freePort } from '../fixtures/server/free-port.js'

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

/** Polls until nginx answers, at most `ms`; fails if it exits first. */
async function waitForNginx(url: string, proc: ChildProcess, stderr: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`nginx exited (${proc.exitCode}): ${stderr()}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`nginx did not answer within ${ms} ms: ${stderr()}`)
}

t.test('nginx auth_request in front of an upstream', { skip: NGINX ? false : 'nginx binary not found (Debian package `nginx`)' }, async (t) => {
  const jwks = await startJwks()
  t.teardown(() => jwks.close())
  const sc = await startTestSidecar(jwks)
  t.teardown(() => sc.close())
  const sidecarPort = new URL(sc.base).port

  const upstream = createHttpServer((req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ upstream: true, method: req.method, url: req.url, subject: req.headers['x-subject'] ?? null }))
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        upstream.closeAllConnections()
        upstream.close(() => r())
      }),
  )
  const upstreamPort = (upstream.address() as AddressInfo).port

  const dir = await mkdtemp(join(tmpdir(), 'mg-nginx-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const d of ['logs', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, d))
  const port = await freePort()
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_meshgate;
      auth_request_set $mg_subject $upstream_http_x_meshgate_subject;
      proxy_set_header X-Subject $mg_subject;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
    location = /_meshgate {
      internal;
      proxy_pass http://127.0.0.1:${sidecarPort}/v1/forward-auth?port=orders-v1&purpose=reporting;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
  }
}
`
  await writeFile(join(dir, 'nginx.conf'), conf)
  let err = ''
  const proc = spawn(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] })
  proc.stderr!.on('data', (d) => {
    err += d
  })
  t.teardown(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    }
  })
  const base = `http://127.0.0.1:${port}`
  await waitForNginx(`${base}/__ready`, proc, () => err)

  const analyst = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] } })
  const get = (path: string, token?: string, method = 'GET') => fetch(base + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} })

  const ok = await get('/orders?fields=order_id', analyst)
  t.equal(ok.status, 200, 'allowed: the upstream answers')
  t.same(await ok.json(), { upstream: true, method: 'GET', url: '/orders?fields=order_id', subject: 'ann' })

  const anon = await get('/orders')
  t.equal(anon.status, 401, 'no token: 401 from the sidecar, passed on by nginx')
  t.match(anon.headers.get('www-authenticate') ?? '', /Bearer/)
  await anon.text()

  const expired = await get('/orders', await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] } }, { exp: Math.floor(Date.now() / 1000) - 60 }))
  t.equal(expired.status, 401)
  await expired.text()

  const noRole = await get('/orders', await jwks.mint({ sub: 'bob' }))
  t.equal(noRole.status, 403, 'default deny')
  await noRole.text()

  const del = await get('/orders/1', analyst, 'DELETE')
  t.equal(del.status, 403, 'domain deny on the original method')
  await del.text()

  const pii = await get('/orders?fields=email', analyst)
  t.equal(pii.status, 403, 'global deny on a pii field')
  await pii.text()
})
