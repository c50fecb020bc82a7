// graph.reachable, graph.reachable_paths and walk: traversals over JSON
// values. Sets arrive from the SDK as arrays, so a neighbour list may be
// either; walk addresses set members by position (see walk below).

import { BuiltinError, type HostImpl, RegoSet } from './types.js'

type Graph = Record<string, unknown>

function graphOperand(name: string, g: unknown): Graph {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new BuiltinError(name, 'operand 1 must be object', 'eval_type_error')
  return g as Graph
}

function nodesOperand(name: string, n: unknown): unknown[] {
  if (!Array.isArray(n)) throw new BuiltinError(name, 'operand 2 must be one of {array, set}', 'eval_type_error')
  return n
}

/** Node ids are object keys: strings as they are, anything else as JSON text. */
const key = (node: unknown): string => (typeof node === 'string' ? node : JSON.stringify(node))

/** Neighbours of a node in the graph; undefined when the node is not in it. */
function neighbours(g: Graph, node: unknown): unknown[] | undefined {
  const k = key(node)
  if (!Object.hasOwn(g, k)) return undefined
  const edges = g[k]
  return Array.isArray(edges) ? edges : []
}

function reachable(g: unknown, initial: unknown): unknown[] {
  const graph = graphOperand('graph.reachable', g)
  const queue = [...nodesOperand('graph.reachable', initial)]
  const reached = new Map<string, unknown>()
  while (queue.length > 0) {
    const node = queue.shift()
    if (reached.has(key(node))) continue
    const edges = neighbours(graph, node)
    if (edges === undefined) continue
    reached.set(key(node), node)
    queue.push(...edges)
  }
  return [...reached.values()]
}

/**
 * Every path from an initial node that cannot be extended: it ends where a
 * node has no neighbours, or each neighbour is already on the path or is not
 * a node of the graph.
 */
function reachablePaths(g: unknown, initial: unknown): unknown[][] {
  const graph = graphOperand('graph.reachable_paths', g)
  const found = new Map<string, unknown[]>()
  const record = (path: unknown[]) => found.set(JSON.stringify(path), path)
  const extend = (path: unknown[]) => {
    const edges = neighbours(graph, path[path.length - 1]) ?? []
    if (edges.length === 0) {
      record(path)
      return
    }
    for (const next of edges) {
      if (path.some((p) => key(p) === key(next)) || neighbours(graph, next) === undefined) record(path)
      else extend([...path, next])
    }
  }
  for (const start of nodesOperand('graph.reachable_paths', initial)) {
    if (neighbours(graph, start) !== undefined) extend([start])
  }
  return [...found.values()]
}

/**
 * walk(x): [path, value] for every node of x, pre-order, the root first with
 * the empty path. Set members are addressed by the member itself (walk is
 * set-aware: sets arrive as RegoSet).
 */
function walk(x: unknown): Array<[unknown[], unknown]> {
  const out: Array<[unknown[], unknown]> = []
  const visit = (path: unknown[], v: unknown) => {
    out.push([path, v])
    // a set's members are addressed by the member itself, as in OPA
    if (v instanceof RegoSet) v.forEach((e) => visit([...path, e], e))
    else if (Array.isArray(v)) v.forEach((e, i) => visit([...path, i], e))
    else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) visit([...path, k], (v as Record<string, unknown>)[k])
    }
  }
  visit([], x)
  return out
}

export const impls: Record<string, HostImpl> = {
  'graph.reachable': reachable,
  'graph.reachable_paths': reachablePaths,
  walk,
}
