// Code generation for compiled plans: the resolved plan tree (apply.ts)
// becomes one JavaScript function per walked field, built with
// `new Function`, so that applying a plan to a record is a loop over the
// record's own keys with a `switch` on the names the plan knows, and each
// known field is written with a constant property name (V8 keeps one hidden
// class per output shape instead of a dictionary lookup per key). Each plan
// gets two variants sharing its transforms: `apply` builds a new record,
// `serialize` writes into the parsed record it is given and returns its JSON
// (the stream's path, where a copy of each record would only be garbage).
//
// Safety of the generated source. Nothing from a plan or a record enters
// the source except through `jsString`, which writes a string literal in
// which every character other than [A-Za-z0-9_] is a `\uXXXX` escape: no
// quote, backslash, line terminator or `${` can end the literal, whatever a
// policy names its fields. Transforms and row filters are passed in as
// values (`C0`, `C1` … parameters of the factory), never as source.
// `__proto__` is always written with `defineProperty`, since assigning it
// would set the output's prototype. Records are read through their own
// enumerable keys only, as before, and a key the plan does not name goes
// through `unknown_fields` (dropped, or the parent's transform): there is no
// path by which a field the plan does not keep reaches the output in clear.

import type { RowFilter } from './row-filter.js'
import { compileFilter } from './row-filter.js'
import { valueFunction, DROP as DROP_VALUE, type AnonymizeKeys, type ValueFn } from './field-transforms.js'
import type { CompiledPlan, PlanNode, PlanTree } from './apply.js'
import type { Transform } from './transforms.js'

/** A JavaScript string literal for `s` that only letters, digits, `_` and `\uXXXX` escapes make up. */
export function jsString(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) out += s[i]
    else out += `\\u${c.toString(16).padStart(4, '0')}`
  }
  return `${out}"`
}

function defineOwn(o: object, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** Collects the constants the generated code calls, and the functions it defines. */
class Emitter {
  readonly constants: unknown[] = []
  readonly functions: string[] = []
  private readonly byTransform = new Map<Transform, string>()
  private nodes = 0

  constructor(private readonly keys: AnonymizeKeys) {}

  constant(value: unknown): string {
    this.constants.push(value)
    return `C${this.constants.length - 1}`
  }

  /**
   * An expression applying `t` to the value expression `v`, or undefined when
   * `t` drops the value. `keep` and `redact` are written inline; the others
   * call their value function (one per transform object, built once).
   */
  transform(t: Transform, v: string): string | undefined {
    switch (t.action) {
      case 'drop':
        return undefined
      case 'keep':
        return v
      case 'redact':
        return 'null'
      default: {
        let name = this.byTransform.get(t)
        if (name === undefined) {
          const fn = valueFunction(t, this.keys) as ValueFn
          name = this.constant(fn)
          this.byTransform.set(t, name)
        }
        return `${name}(${v})`
      }
    }
  }

  /**
   * Defines the walker of an object whose keys are `children`; returns its
   * name. `inPlace`: the walker writes the transformed values into the object
   * it is given, a dropped key set to `undefined` (which JSON.stringify
   * leaves out), instead of building a new object: for records parsed only
   * to be written out again (the stream), where the copy is pure garbage.
   */
  objectWalker(children: Map<string, PlanNode>, other: Transform, inPlace: boolean): string {
    const name = `${inPlace ? 'I' : 'W'}${this.nodes++}`
    const cases: string[] = []
    for (const [key, node] of children) cases.push(`case ${jsString(key)}: ${this.field(key, node, inPlace)} break;`)
    const rest = this.transform(other, 'obj[k]')
    let dflt: string
    if (inPlace) {
      dflt = rest === undefined ? 'default: obj[k] = undefined;' : rest === 'obj[k]' ? '' : `default: obj[k] = ${rest};`
    } else {
      dflt = rest === undefined ? '' : `default: { const x = ${rest}; if (k === "__proto__") defineOwn(o, k, x); else o[k] = x; }`
    }
    const target = inPlace ? 'obj' : 'o'
    this.functions.push(
      `function ${name}(obj) {\n${inPlace ? '' : '  const o = {};\n'}  for (const k in obj) {\n    if (!hasOwn.call(obj, k)) continue;\n    switch (k) {\n` +
        cases.map((c) => `      ${c}\n`).join('') +
        (dflt ? `      ${dflt}\n` : '') +
        `    }\n  }\n  return ${target};\n}`,
    )
    return name
  }

  /** The statements that write field `key` of the output from `obj[k]`. */
  private field(key: string, node: PlanNode, inPlace: boolean): string {
    const target = inPlace ? 'obj' : 'o'
    const store = (x: string) => (key === '__proto__' ? `defineOwn(${target}, "__proto__", ${x});` : `${target}[${jsString(key)}] = ${x};`)
    if (!node.walk) {
      const e = this.transform(node.whole, 'obj[k]')
      if (!inPlace) return e === undefined ? '' : store(e)
      return e === undefined ? store('undefined') : e === 'obj[k]' ? '' : store(e)
    }
    const walker = this.valueWalker(node, inPlace)
    if (node.mismatch.action !== 'drop') return store(`${walker}(obj[k])`)
    return inPlace
      ? `{ const x = ${walker}(obj[k]); ${store('x === DROP ? undefined : x')} }`
      : `{ const x = ${walker}(obj[k]); if (x !== DROP) ${store('x')} }`
  }

  /** Defines the function applying a walked node to a value of any shape; returns its name. */
  private valueWalker(node: PlanNode, inPlace: boolean): string {
    const objects = this.objectWalker(node.children, node.other, inPlace)
    const name = `${inPlace ? 'M' : 'N'}${this.nodes++}`
    const mismatch = this.transform(node.mismatch, 'v') ?? 'DROP'
    const push = node.mismatch.action === 'drop' ? 'if (x !== DROP) out.push(x);' : 'out.push(x);'
    // Arrays are always built anew: an element that is dropped leaves no hole.
    this.functions.push(
      `function ${name}(v) {\n  if (v === null) return null;\n  if (typeof v === "object") {\n    if (!Array.isArray(v)) return ${objects}(v);\n` +
        `    const out = [];\n    for (let i = 0; i < v.length; i++) { const x = ${name}(v[i]); ${push} }\n    return out;\n  }\n  return ${mismatch};\n}`,
    )
    return name
  }
}

/** Compiles the plan tree and its row filters into one function over records. */
export function generateApply(tree: PlanTree, rowFilters: readonly RowFilter[], keys: AnonymizeKeys): CompiledPlan {
  const e = new Emitter(keys)
  const filters = rowFilters.map((f) => e.constant(compileFilter(f)))
  const root = e.objectWalker(tree.root, tree.other, false)
  const rootInPlace = e.objectWalker(tree.root, tree.other, true)
  const filtered = filters.map((f) => `  if (!${f}(r)) return undefined;\n`).join('')
  const body = [
    "'use strict';",
    ...e.functions,
    `function anonymize(r) {\n${filtered}  return ${root}(r);\n}`,
    `function serialize(r) {\n${filtered}  return JSON.stringify(${rootInPlace}(r));\n}`,
    'return { apply: anonymize, serialize };',
  ].join('\n')
  const names = e.constants.map((_, i) => `C${i}`)
  const factory = new Function('hasOwn', 'defineOwn', 'DROP', ...names, body) as (...args: unknown[]) => Pick<CompiledPlan, 'apply' | 'serialize'>
  const { apply, serialize } = factory(Object.prototype.hasOwnProperty, defineOwn, DROP_VALUE, ...e.constants)
  return { apply, serialize, source: body }
}
