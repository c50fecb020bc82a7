// check/'s call, recursion and redeclaration passes: they report their
// errors from checkProgram alone (plan/ no longer does), with code and
// file:row:col, and the CallTable they derive is what plan/ and safety use.
import t from 'tap'
import { checkProgram, type CallTable } from '../../dist/src/check/index.js'
import { planProgram } from '../../dist/src/plan/planner.js'
import { parseModule } from '../../dist/src/rego/index.js'
import type { CallTerm } from '../../dist/src/rego/ast.js'
import { compile } from '../../dist/src/compiler.js'

type Files = Record<string, string>
const parse = (files: Files) => Object.entries(files).map(([path, source]) => parseModule(path, source, { regoVersion: 1 }))

/** The source text at an error's row:col. */
function at(files: Files, loc: { file: string; row: number; col: number } | undefined, length: number): string {
  const line = files[loc!.file]!.split('\n')[loc!.row - 1]!
  return line.slice(loc!.col - 1, loc!.col - 1 + length)
}

/** Every call the table holds, as `name` or `name/out=i`, by position. */
function describe(calls: CallTable): string[] {
  return [...calls].sort(([a], [b]) => a.span.start - b.span.start).map(([, r]) => (r.outputArg === undefined ? r.name : `${r.name}/out=${r.outputArg}`))
}

t.test('check alone reports arity, literal types, recursion and redeclarations; plan adds none of them', async (t) => {
  const files = {
    'a.rego': [
      'package a',
      '',
      'f(x) := x',
      '',
      'p := count(1, 2)',
      '',
      'q := f(1, 2)',
      '',
      'r := upper(3)',
      '',
      's if s2',
      '',
      's2 if s',
      '',
      'u if {',
      '\tx := 1',
      '\tx := 2',
      '}',
      '',
    ].join('\n'),
  }
  const checked = checkProgram(parse(files))
  const got = checked.errors.map((e) => [e.code, e.message, `${e.location!.row}:${e.location!.col}`])
  t.same(got, [
    ['rego_type_error', 'count: arity mismatch: expected 1 arguments, got 2', '5:6'],
    ['rego_type_error', 'function data.a.f has arity 1, got 2 arguments', '7:6'],
    ['rego_type_error', 'upper: invalid argument(s): operand 1 must be string but got number', '9:12'],
    ['rego_recursion_error', 'rule data.a.s is recursive: data.a.s -> data.a.s2 -> data.a.s', '13:7'],
    ['rego_compile_error', 'var x assigned above', '17:2'],
  ])
  t.equal(at(files, checked.errors[3]!.location, 1), 's')
  const planned = planProgram(checked, { entrypoints: ['a/p'] })
  t.same(planned.errors, checked.errors, 'plan/ reports nothing of its own: each error once, from check/')
})

t.test('each call is resolved once: imports, rule names, locals that shadow them, output arguments', async (t) => {
  const files = {
    'lib.rego': 'package lib\n\ng(x, y) := x + y\n',
    'a.rego': ['package a', '', 'import data.lib', '', 'f(x) := x', '', 'p if {', '\tlib.g(1, 2, n)', '\tf(n, m)', '\tcount([m], k)', '\tk == 1', '}', ''].join(
      '\n',
    ),
  }
  const { calls, errors } = checkProgram(parse(files))
  t.same(errors, [])
  t.same(describe(calls), ['plus', 'data.lib.g/out=2', 'data.a.f/out=1', 'count/out=1', 'equal'])
})

t.test('a `with` replacement of another arity is reported at the replacement', async (t) => {
  const files = { 'w.rego': 'package w\n\nf(x) := x\n\ng(x, y) := y\n\nh(x) := f(x)\n\np := y if {\n\ty := h(1) with f as g\n}\n' }
  const { errors } = checkProgram(parse(files))
  t.same(
    errors.map((e) => [e.code, e.message]),
    [['rego_type_error', 'function data.w.g has arity 2, got 1 arguments']],
  )
  t.equal(at(files, errors[0]!.location, 1), 'g', 'the `with` names g; the call it reaches is in h')
})

t.test('a value replacement of a function takes any arguments; a function replacement of the same arity compiles', async (t) => {
  const files = { 'w.rego': 'package w\n\nf(x) := x\n\ng(x) := x * 10\n\np := y if {\n\ty := f(1) with f as 7\n}\n\nq := y if {\n\ty := f(2) with f as g\n}\n' }
  t.same(checkProgram(parse(files)).errors, [])
  const r = await compile({ modules: Object.entries(files).map(([path, source]) => ({ path, source })), entrypoints: ['w/p', 'w/q'] })
  t.ok(r.wasm.length > 0)
})

t.test('a call that fails is not looked into: its arguments are not checked again', async (t) => {
  const { errors } = checkProgram(parse({ 'n.rego': 'package n\n\np := nope(count(1, 2))\n' }))
  t.same(
    errors.map((e) => e.message),
    ['undefined function nope'],
  )
})

t.test('custom built-ins from capabilities are names calls may use, with their arity', async (t) => {
  const customBuiltins = new Map([
    ['acme.lookup', { arity: 1, resultSet: false }],
    ['acme.wide', { arity: 5, resultSet: false }],
  ])
  const modules = parse({ 'c.rego': 'package c\n\np := acme.lookup(1)\n\nq := acme.lookup(1, 2)\n\nr := acme.wide(1, 2, 3, 4, 5)\n' })
  t.same(
    checkProgram(modules).errors.map((e) => e.message),
    ['undefined function acme.lookup', 'undefined function acme.lookup', 'undefined function acme.wide'],
  )
  t.same(
    checkProgram(modules, { customBuiltins }).errors.map((e) => [e.code, e.message]),
    [
      ['rego_type_error', 'acme.lookup: arity mismatch: expected 1 arguments, got 2'],
      ['compile_unsupported_error', 'built-in acme.wide takes 5 arguments; host calls support at most 4'],
    ],
  )
})

t.test("recursion through a package's virtual document and through a function", async (t) => {
  const viaDoc = checkProgram(parse({ 'v.rego': 'package v\n\np if data.v.q\n\nq if count(data.v) > 0\n' })).errors
  t.same(
    viaDoc.map((e) => e.message),
    ['rule data.v.p is recursive: data.v.p -> data.v.q -> data.v.p', 'rule data.v.q is recursive: data.v.q -> data.v.q'],
    'reading data.v reads every rule of v, q itself too',
  )
  const viaCall = checkProgram(parse({ 'f.rego': 'package f\n\nf(x) := y if y := g(x)\n\ng(x) := f(x)\n' })).errors
  t.same(
    viaCall.map((e) => e.message),
    ['rule data.f.f is recursive: data.f.f -> data.f.g -> data.f.f'],
  )
  t.same(checkProgram(parse({ 'ok.rego': 'package ok\n\np if q\n\nq if r\n\nr := 1\n' })).errors, [], 'a chain is no cycle')
})

t.test('`:=` in a nested body, a negation or under `with` is its own scope', async (t) => {
  const ok = 'package d\n\np if {\n\tx := 1\n\ty := [x | x := 2]\n\tx == 1\n\tcount(y) == 1\n}\n'
  t.same(checkProgram(parse({ 'd.rego': ok })).errors, [])
})

t.test("the call table is keyed by the AST's own call terms", async (t) => {
  const modules = parse({ 'k.rego': 'package k\n\np := count([1])\n' })
  const { calls } = checkProgram(modules)
  const term = modules[0]!.rules[0]!.head.value as CallTerm
  t.same(calls.get(term), { name: 'count' })
})
