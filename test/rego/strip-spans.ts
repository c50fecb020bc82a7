// Test helper: AST without spans (and without the module text), for
// comparing shapes; span assertions are made separately.
export function stripSpans(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripSpans)
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k]) => k !== 'span' && k !== 'text')
        .map(([k, v]) => [k, stripSpans(v)]),
    )
  }
  return x
}

export const v = (name: string) => ({ type: 'var', name })
export const s = (value: string) => ({ type: 'string', value })
export const n = (raw: string) => ({ type: 'number', raw })
export const ref = (head: unknown, ...path: unknown[]) => ({ type: 'ref', head, path })
export const call = (name: string, ...args: unknown[]) => {
  const [h, ...rest] = name.split('.')
  return { type: 'call', func: ref(v(h!), ...rest.map(s)), args }
}
