// `validate.tests: true`: a bundle's own Rego unit tests run before it is
// accepted. The bundle's `.rego` files (tests included) and its data are
// written to a temp folder and `policy test` runs on it in a child process
// with a deadline: the same runner authors use in CI, in its own process so
// a test that loops or exhausts memory cannot take the registry down, and
// without the registry stage importing the CLI. A bundle that carries no
// tests passes (there is nothing to run); failing tests, tests that do not
// compile, or a run past the deadline refuse the publish with
// `bundle_tests_failed` and the runner's report.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Bundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'

/** `bin/policy.js` of this package, found from this file in src/ or dist/src/. */
function policyBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meshgate') return join(dir, 'bin', 'policy.js')
    const up = dirname(dir)
    if (up === dir) throw new MeshgateError('internal_error', 'cannot find the meshgate package (for `policy test`)')
    dir = up
  }
}

const TEST_RULE = /^\s*test_[A-Za-z0-9_]*/m

export async function runBundleTests(bundle: Bundle, name: string, timeoutMs: number): Promise<{ ran: boolean }> {
  if (!bundle.sources.some((s) => TEST_RULE.test(s.source))) return { ran: false }
  const dir = await mkdtemp(join(tmpdir(), 'mg-registry-tests-'))
  try {
    for (const s of bundle.sources) {
      const file = resolve(dir, s.path)
      // Tar names are checked when read; keep to the temp folder regardless.
      if (!file.startsWith(dir + '/')) throw new MeshgateError('bundle_format_error', `\`${name}\`: source \`${s.path}\` leaves the bundle`)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, s.source)
    }
    await writeFile(join(dir, 'data.json'), JSON.stringify(bundle.data))
    const args = [policyBin(), 'test', ...(bundle.manifest.rego_version === 0 ? ['--v0-compatible'] : []), dir]
    const { code, out } = await new Promise<{ code: number | null; out: string }>((res) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
      let out = ''
      const keep = (d: Buffer) => {
        if (out.length < 64 * 1024) out += d.toString()
      }
      p.stdout.on('data', keep)
      p.stderr.on('data', keep)
      const timer = setTimeout(() => {
        out += `\n(stopped after ${timeoutMs} ms)`
        p.kill('SIGKILL')
      }, timeoutMs)
      p.on('close', (c) => {
        clearTimeout(timer)
        res({ code: c, out })
      })
    })
    if (code !== 0) {
      const report = out
        .split(dir + '/')
        .join('')
        .trim()
      const first = report.split('\n').find((l) => /FAIL|error|stopped/i.test(l)) ?? report.split('\n')[0] ?? ''
      throw new MeshgateError('bundle_tests_failed', `bundle \`${name}\`: its own tests did not pass: ${first.slice(0, 300)}`, undefined, {
        report: report.slice(0, 8000),
      })
    }
    return { ran: true }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
