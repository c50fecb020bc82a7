// unicode-tables.ts is generated (scripts/gen-unicode-tables.mjs) from this
// Node's Unicode property escapes and committed: it must be what the
// generator writes today, for the Unicode version named in its header.

import t from 'tap'
import { readFileSync } from 'node:fs'
// @ts-expect-error: a plain ESM script without declarations
import { generate, OUTPUT } from '../../../scripts/gen-unicode-tables.mjs'

const committed = readFileSync(OUTPUT as string, 'utf8')
const version = /\(Unicode ([\d.]+)\)/.exec(committed)?.[1]

t.test('the committed Unicode tables are current', async (t) => {
  t.ok(version, 'the header names the Unicode version')
  if (version !== process.versions.unicode) {
    t.skip(`this Node has Unicode ${process.versions.unicode}, the tables ${version}: regenerate with a matching Node`)
    return
  }
  t.equal((generate as () => string)(), committed, 'run `node scripts/gen-unicode-tables.mjs` and commit the result')
})
