// Runs the built `policy` binary (bin/policy.js → dist/) in a temp directory,
// as a user would, and captures stdout, stderr and the exit code.

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const bin = join(repo, 'bin', 'policy.js')

export interface RunResult { code: number | null; stdout: string; stderr: string }

export function policy(args: string[], cwd: string): RunResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** A fresh directory holding `files` (path → content); removed in teardown. */
export function workspace(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true })
    writeFileSync(join(dir, p), text)
  }
  return dir
}

/** Every file name in `dir` (not recursive), to prove nothing was left behind. */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort()
}
