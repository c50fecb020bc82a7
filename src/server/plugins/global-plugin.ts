// Marks a plugin as not encapsulated (what fastify-plugin does), so hooks and
// decorators it adds apply to the whole app.

import type { FastifyPluginAsync } from 'fastify'

export function globalPlugin<T extends FastifyPluginAsync<any>>(fn: T, name: string): T {
  const f = fn as unknown as Record<symbol, unknown>
  f[Symbol.for('skip-override')] = true
  f[Symbol.for('fastify.display-name')] = name
  return fn
}
