// Every Rego module in the shared conformance cases must parse, unless the
// case expects a parse error. The cases live outside the repository
// (../shared); the test is skipped when they are not there.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parseBody, parseModule } from '../../src/rego/index.js'

const root = fileURLToPath(new URL('../../../shared/conformance/cases', import.meta.url))

interface Case {
  note: string
  query?: string
  modules?: string[]
  want_error_code?: string
}

if (!existsSync(root)) {
  t.pass('conformance cases not present: skipped')
} else {
  t.test('conformance modules and queries parse', async (t) => {
    const failures: string[] = []
    let modules = 0
    for (const dir of readdirSync(root)) {
      for (const f of readdirSync(join(root, dir))) {
        const { cases } = JSON.parse(readFileSync(join(root, dir, f), 'utf8')) as { cases: Case[] }
        for (const c of cases) {
          if (c.want_error_code === 'rego_parse_error') continue
          ;(c.modules ?? []).forEach((m, i) => {
            modules++
            try {
              parseModule(`${c.note}#${i}`, m)
            } catch (e) {
              failures.push(`${c.note}: ${(e as Error).message}`)
            }
          })
          if (c.query) {
            try {
              parseBody(c.query)
            } catch (e) {
              failures.push(`${c.note} (query): ${(e as Error).message}`)
            }
          }
        }
      }
    }
    t.ok(modules > 1000, `${modules} modules read`)
    t.same(failures, [])
  })
}
