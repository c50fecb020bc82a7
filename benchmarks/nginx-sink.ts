// A decision-log collector that costs next to nothing: nginx on loopback
// answering every upload with 204 (the body is read and discarded). The
// decision-log benchmark runs the sidecar against it beside the real
// collector (`policy registry`), because on a two-core machine the
// registry's ingest (inflate, parse, store: about 30 µs per event) competes
// with the sidecar for the same cores, and the figure would charge the
// collector's work to the sidecar. Returns undefined when no nginx is
// installed (Debian package `nginx`).

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

export interface Sink {
  url: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

export async function startNginxSink(): Promise<Sink | undefined> {
  if (!NGINX) return undefined
  const dir = await mkdtemp(join(tmpdir(), 'mg-bench-sink-'))
  for (const d of ['logs', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, d))
  const port = await freePort()
  await writeFile(
    join(dir, 'nginx.conf'),
    `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_max_body_size 64m;
  client_body_buffer_size 1m;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 204; }
  }
}
`,
  )
  let err = ''
  const proc: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] })
  proc.stderr!.on('data', (d) => {
    err += d
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  // Bounded: 15 s for nginx to answer.
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) break
    try {
      const res = await fetch(`${url}/logs`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(1000) })
      if (res.status === 204) return { url, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  await stop()
  throw new Error(`nginx (decision-log sink) did not start: ${err}`)
}
