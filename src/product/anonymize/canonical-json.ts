// The bytes `hash` and `tokenize` digest for a value that is not a string:
// canonical JSON, so two equal values give equal digests (joins work) however
// their keys happen to be ordered. Object keys are sorted by UTF-16 code
// units and numbers and strings are written as JSON.stringify writes them,
// which is the canonical form of RFC 8785 (JCS).
//
// Records come from JSON.parse, so only JSON types are expected; anything
// else (undefined, a function, a symbol, a bigint) is written as `null`, as
// JSON.stringify does inside arrays, rather than throwing mid-record.

export function canonicalJson(v: unknown): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null'
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object': {
      if (Array.isArray(v)) {
        let s = '['
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i])
        return s + ']'
      }
      const o = v as Record<string, unknown>
      // Own keys only; `__proto__` from JSON.parse is an own key like any other.
      const keys = Object.keys(o).sort()
      let s = '{',
        first = true
      for (const k of keys) {
        const x = o[k]
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x)
        first = false
      }
      return s + '}'
    }
    default:
      return 'null'
  }
}
