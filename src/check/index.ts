// Public surface of check/: checkProgram runs the ordered passes
// (passes.ts: rule tree, names, call resolution and checks, recursion,
// redeclarations) and returns the CheckedProgram plan/ consumes; safety.ts is
// the variable analysis and reordering plan/ runs on each body it plans.
export * from './passes.js'
export * from './names.js'
export * from './rule-tree.js'
export * from './safety.js'
export * from './calls.js'
export * from './negation.js'
