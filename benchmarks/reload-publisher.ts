// The reload benchmark's publisher, in its own process as a CI job would be:
// publishing from the load generator's process would put each upload (an
// HTTP request with the bundle as body) on the event loop that times the
// sidecar's answers, and charge that stall to the sidecar.
//
//   node reload-publisher.js <bundle URL> <token> <gap ms> <file>...
//
// Waits for a line on stdin, then PUTs each file in order, the i-th at
// i × `gap` ms; prints `published <n>` and exits 0, or exits 1 with the
// registry's answer when it refuses one.

import { readFileSync } from 'node:fs'

const [url, token, gap, ...files] = process.argv.slice(2)
if (!url || !token || !gap || files.length === 0) {
  process.stderr.write('usage: reload-publisher <bundle URL> <token> <gap ms> <file>...\n')
  process.exit(2)
}
const bodies = files.map((f) => readFileSync(f))
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
// On a fixed schedule (the i-th at i × gap from the start), not a gap after
// each answer: uploads that take a while would otherwise push the last
// reloads past the end of the timed window.
const start = performance.now()
for (const [i, body] of bodies.entries()) {
  await new Promise((r) => setTimeout(r, Math.max(0, start + (i + 1) * Number(gap) - performance.now())))
  // When each upload started (epoch ms): reload.ts lines slow answers up with them (MESHGATE_RELOAD_TRACE).
  process.stdout.write(`put ${performance.timeOrigin + performance.now()}\n`)
  const res = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' }, body })
  if (!res.ok) {
    process.stderr.write(`publish refused: HTTP ${res.status} ${await res.text()}\n`)
    process.exit(1)
  }
}
process.stdout.write(`published ${bodies.length}\n`)
process.exit(0)
