// Host-side built-ins for meshgate-built modules. The compiler (src/compiler.ts)
// exports `hostBuiltins`; it is imported lazily so the engine still loads
// OPA-built bundles while the compiler is absent. An extra module (config
// `builtins_module`) may add custom built-ins; it is named by URL so a
// worker thread can import the same functions itself (functions cannot cross
// threads).

export type HostBuiltins = Record<string, (...args: unknown[]) => unknown>

const cache = new Map<string, Promise<HostBuiltins>>()

async function importBuiltins(spec: string, optional: boolean): Promise<HostBuiltins> {
  try {
    const mod = (await import(spec)) as { hostBuiltins?: HostBuiltins }
    return mod.hostBuiltins ?? {}
  } catch (e) {
    const code = (e as { code?: string }).code
    if (optional && (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes('compiler')) return {}
    throw e
  }
}

function once(spec: string, optional: boolean): Promise<HostBuiltins> {
  let p = cache.get(spec)
  if (!p) cache.set(spec, (p = importBuiltins(spec, optional)))
  return p
}

/** The compiler's built-ins, plus those of `moduleUrl` when given. */
export async function loadHostBuiltins(moduleUrl?: string): Promise<HostBuiltins> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const compiler = await once(new URL(`../compiler${ext}`, import.meta.url).href, true)
  if (!moduleUrl) return compiler
  return { ...compiler, ...(await once(moduleUrl, false)) }
}
