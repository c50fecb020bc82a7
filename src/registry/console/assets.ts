// The console's static files, a fixed list served under /console/assets/:
// uPlot (the charting library, from its npm package, a run-time dependency),
// the page script (browser/console.ts, compiled by tsc into dist/ beside this
// module) and the stylesheet (styles.ts). Nothing comes from a CDN, and a
// fixed table instead of a static-folder server means no path is ever
// resolved from the URL. Files are read on first request and kept.

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { CONSOLE_CSS } from './styles.js'

export interface Asset {
  type: string
  body: Buffer
  etag: string
}

const require = createRequire(import.meta.url)

/**
 * The page script as compiled: beside this module in dist/, or, when the
 * console runs from its TypeScript sources (tests under tsx), the built copy
 * (`npm test` builds first, as for the registry's load-check worker).
 */
const PAGE_SCRIPT = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/src/registry/console/browser/console.js', import.meta.url)
  : new URL('./browser/console.js', import.meta.url)

const SOURCES: Record<string, { type: string; read: () => Promise<Buffer> }> = {
  'uplot.iife.min.js': { type: 'text/javascript; charset=utf-8', read: () => readFile(require.resolve('uplot/dist/uPlot.iife.min.js')) },
  'uplot.min.css': { type: 'text/css; charset=utf-8', read: () => readFile(require.resolve('uplot/dist/uPlot.min.css')) },
  'console.js': { type: 'text/javascript; charset=utf-8', read: () => readFile(fileURLToPath(PAGE_SCRIPT)) },
  'console.css': { type: 'text/css; charset=utf-8', read: async () => Buffer.from(CONSOLE_CSS) },
}

export const ASSET_NAMES = Object.keys(SOURCES)

/** One console's assets, read once each. */
export class ConsoleAssets {
  private readonly loaded = new Map<string, Promise<Asset>>()

  /** The asset of that name, or undefined when there is none. A file that cannot be read rejects (and is tried again next time). */
  get(name: string): Promise<Asset> | undefined {
    const src = Object.hasOwn(SOURCES, name) ? SOURCES[name]! : undefined
    if (!src) return undefined
    let a = this.loaded.get(name)
    if (!a) {
      a = src.read().then((body) => ({ type: src.type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }))
      a.catch(() => this.loaded.delete(name))
      this.loaded.set(name, a)
    }
    return a
  }
}
