// Public surface of check/: checkProgram runs the ordered passes
// (passes.ts: rule tree and conflicts, names, call resolution, call checks,
// safety and reordering, recursion, redeclarations, warnings), each a pure
// function of the modules and what the passes before it derived, and returns
// the CheckedProgram plan/ consumes: the rule tree, the name and call tables
// and every body in the order to plan it (body-order.ts). plan/ reads these
// and never runs a check itself.
export * from './passes.js'
export * from './names.js'
export * from './rule-tree.js'
export * from './safety.js'
export * from './vars.js'
export * from './body-order.js'
export * from './calls.js'
export * from './negation.js'
