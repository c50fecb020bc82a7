// Anonymization: the transforms policies ask for per field, their
// combination across layers (strictest per field, conjunction of row
// filters, pii never in clear), and their application to records, one at a
// time or streamed for large JSON-array / NDJSON bodies.
//
//   const plan = combineAnonymization(layerResults, data.mesh.ports[p].fields)
//   const compiled = compilePlan(plan, { key }) // once per (port, decision):
//                                                // or plans.get(port, plan) from a CompiledPlans
//   compiled.apply(record)                       // → record | undefined
//   body.pipe(createAnonymizeStream(plan, { key, compiled })).pipe(reply)

export {
  combineAnonymization,
  PII_DEFAULT,
  type AnonymizationPlan,
  type CombineOptions,
  type ContractFieldInfo,
  type LayerAnonymization,
  type PlannedField,
} from './combine.js'
export { applyPlan, compilePlan, type CompiledPlan } from './apply.js'
export { CompiledPlans, DEFAULT_COMPILED_PLANS, planKey } from './plan-cache.js'
export { AnonymizeStream, createAnonymizeStream, DETECT_WINDOW, type AnonymizeStreamOptions, type RecordFormat } from './stream.js'
export { parseTransform, stricter, STRICTNESS, type Action, type Transform } from './transforms.js'
export { parseRowFilter, type FilterOp, type RowFilter } from './row-filter.js'
export { TOKEN_PREFIX, type AnonymizeKeys } from './field-transforms.js'
export { laplace, cryptoUniform, type UniformSource } from './laplace.js'
