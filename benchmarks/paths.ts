// Where the repository is, seen from the compiled benchmarks
// (dist/benchmarks/*.js) or from their sources (benchmarks/*.ts): the
// nearest folder above with a package.json.

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${from}`)
    dir = up
  }
  return dir
}

export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)))
