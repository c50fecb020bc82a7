// builtins-graph.ts — walk, graph.reachable and graph.reachable_paths
// inside the module (OPA's topdown/walk.go and graphs.go). walk is a relation: the runtime returns
// every [path, value] pair at once, in OPA's pre-order (the root first,
// object keys and set members in sorted order), and the plan iterates them.

import { T_ARRAY, T_OBJECT, T_SET, typeOf, newArr, arrPush, arrLen, arrAt } from "./value";
import { newColl, collCount, collKeyAt, collValAt, collGet, collFind, collAdd, collSort } from "./object";
import { newInt } from "./number";

function pathPlus(path: usize, k: usize): usize {
  let n = arrLen(path);
  let p = newArr(n + 1);
  for (let i = 0; i < n; i++) arrPush(p, arrAt(path, i));
  arrPush(p, k);
  return p;
}

function walkInto(out: usize, path: usize, v: usize): void {
  let pair = newArr(2);
  arrPush(pair, path);
  arrPush(pair, v);
  arrPush(out, pair);
  let t = typeOf(v);
  if (t == T_ARRAY) {
    let n = arrLen(v);
    for (let i = 0; i < n; i++) walkInto(out, pathPlus(path, newInt(i)), arrAt(v, i));
  } else if (t == T_OBJECT || t == T_SET) {
    collSort(v);
    let n = collCount(v);
    // a set member is addressed by the member itself
    for (let i = 0; i < n; i++) walkInto(out, pathPlus(path, collKeyAt(v, i)), collValAt(v, i));
  }
}

/** walk(x): the array of [path, value] for every node of x. */
export function mg_walk(x: usize): usize {
  if (x == 0) return 0;
  let out = newArr(8);
  walkInto(out, newArr(0), x);
  return out;
}

/** The neighbours of a node: its array or set of edges (anything else has none). */
function forEachEdge(edges: usize, queue: usize, reached: usize): void {
  let t = typeOf(edges);
  if (t == T_ARRAY) {
    let n = arrLen(edges);
    for (let i = 0; i < n; i++) {
      let e = arrAt(edges, i);
      if (collFind(reached, e) < 0) arrPush(queue, e);
    }
  } else if (t == T_SET) {
    let n = collCount(edges);
    for (let i = 0; i < n; i++) {
      let e = collKeyAt(edges, i);
      if (collFind(reached, e) < 0) arrPush(queue, e);
    }
  }
}

/** graph.reachable(graph, initial): every node reachable from the initial
 *  ones (themselves included) that is a key of the graph. */
export function mg_graph_reachable(g: usize, initial: usize): usize {
  if (g == 0 || initial == 0 || typeOf(g) != T_OBJECT) return 0;
  let ti = typeOf(initial);
  if (ti != T_ARRAY && ti != T_SET) return 0;
  let queue = newArr(8);
  let n = ti == T_ARRAY ? arrLen(initial) : collCount(initial);
  for (let i = 0; i < n; i++) arrPush(queue, ti == T_ARRAY ? arrAt(initial, i) : collKeyAt(initial, i));
  let reached = newColl(T_SET, 8);
  for (let q = 0; q < arrLen(queue); q++) {
    let node = arrAt(queue, q);
    let edges = collGet(g, node);
    if (edges == 0) continue;
    forEachEdge(edges, queue, reached);
    collAdd(reached, node);
  }
  return reached;
}

function edgeCount(edges: usize): i32 {
  let t = typeOf(edges);
  if (t == T_ARRAY) return arrLen(edges);
  if (t == T_SET) return collCount(edges);
  return 0;
}

// @ts-ignore: decorator
@inline
function edgeAt(edges: usize, i: i32): usize {
  return typeOf(edges) == T_ARRAY ? arrAt(edges, i) : collKeyAt(edges, i);
}

/** OPA's pathBuilder: `reached` is shared by the sibling branches below one
 *  first step (a node marked while exploring one branch ends the paths of
 *  the next ones there), so the result is OPA's, order included: array
 *  edges in order, set edges in sorted order. */
function pathBuilder(g: usize, root: usize, path: usize, out: usize, reached: usize): void {
  let edges = collGet(g, root);
  if (edges == 0) { collAdd(out, path); return; }
  let here = pathPlus(path, root);
  let n = edgeCount(edges);
  if (n == 0) { collAdd(out, here); return; }
  if (typeOf(edges) == T_SET) collSort(edges);
  for (let i = 0; i < n; i++) {
    let next = edgeAt(edges, i);
    if (collFind(reached, next) >= 0) { collAdd(out, here); continue; }
    collAdd(reached, root);
    pathBuilder(g, next, here, out, reached);
  }
}

/** graph.reachable_paths(graph, initial): the set of paths OPA's traversal
 *  records from each initial node that is a key of the graph. */
export function mg_graph_reachable_paths(g: usize, initial: usize): usize {
  if (g == 0 || initial == 0 || typeOf(g) != T_OBJECT) return 0;
  let ti = typeOf(initial);
  if (ti != T_ARRAY && ti != T_SET) return 0;
  if (ti == T_SET) collSort(initial);
  let out = newColl(T_SET, 4);
  let m = ti == T_ARRAY ? arrLen(initial) : collCount(initial);
  for (let j = 0; j < m; j++) {
    let node = ti == T_ARRAY ? arrAt(initial, j) : collKeyAt(initial, j);
    let edges = collGet(g, node);
    if (edges == 0) continue;
    let start = newArr(1);
    arrPush(start, node);
    let n = edgeCount(edges);
    if (n == 0) { collAdd(out, start); continue; }
    if (typeOf(edges) == T_SET) collSort(edges);
    for (let i = 0; i < n; i++) {
      let reached = newColl(T_SET, 4);
      collAdd(reached, node);
      pathBuilder(g, edgeAt(edges, i), start, out, reached);
    }
  }
  return out;
}
