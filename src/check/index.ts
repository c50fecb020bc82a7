// Public surface of check/: the analyses the planner runs before planning a
// body. Safety (which variables an expression needs and binds, and OPA's
// reordering of body expressions) lives here; the rest of OPA's checks
// (unknown and mistyped built-ins, recursion, rule conflicts, `:=`
// redeclaration) are reported by the planner as it reaches each construct,
// so every rule is planned whether an entrypoint reaches it or not.
export * from './safety.js'
