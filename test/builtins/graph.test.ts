// graph.reachable, graph.reachable_paths and walk.

import t from 'tap'
import { impls } from '../../src/builtins/graph.js'

const sorted = (x: unknown) => [...(x as unknown[])].sort()

t.test('reachable follows edges from the initial nodes that are in the graph', async (t) => {
  t.same(impls['graph.reachable']({}, ['a']), [])
  t.same(sorted(impls['graph.reachable']({ a: ['b'], b: ['c'], c: ['a'] }, ['a'])), ['a', 'b', 'c'])
  t.same(sorted(impls['graph.reachable']({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [], e: ['f'], f: ['e'], x: ['x'] }, ['b', 'e'])), ['b', 'd', 'e', 'f'])
  t.throws(() => impls['graph.reachable'](1, [1]))
})

t.test('reachable_paths lists maximal paths', async (t) => {
  t.same(impls['graph.reachable_paths']({ a: ['b'], b: ['c'], c: ['a'] }, ['a']), [['a', 'b', 'c']])
  t.same(impls['graph.reachable_paths']({ a: ['b', 'c'], b: ['c'], c: [] }, ['a']), [
    ['a', 'b', 'c'],
    ['a', 'c'],
  ])
  t.same(impls['graph.reachable_paths']({ a: ['b'], b: ['nonexistent'] }, ['a', 'b']), [['a', 'b'], ['b']])
  t.same(impls['graph.reachable_paths']({ a: null }, ['a']), [['a']])
  t.throws(() => impls['graph.reachable_paths']({ a: [] }, 'a'))
})

t.test('walk yields every node with its path, root first', async (t) => {
  t.same(impls.walk(1), [[[], 1]])
  t.same(impls.walk({ a: [{ b: 1 }] }), [
    [[], { a: [{ b: 1 }] }],
    [['a'], [{ b: 1 }]],
    [['a', 0], { b: 1 }],
    [['a', 0, 'b'], 1],
  ])
})
