// Schema compatibility for output ports: a structural diff of the current and
// proposed schema (ODCS v3 schema objects or JSON Schema), verdicts per
// Confluent Schema Registry's JSON Schema rules, the consumers each change
// touches, and the version bump. A compatibility decision takes three steps
// (engine/decision-input.ts `compatibilityQuestion`, `Engine.compatibility`):
//
//   const changes = diffSchemas(current, proposed)
//   const { input, verdict } = evaluateCompatibility({ changes, mode, consumers })
//   // evaluate every layer's compatibility package on { ...input, subject, port, purpose }
//   const answer = mergeCompatibility(input, verdict, [{ layer: 'global', violations }, …])
//
// For `_transitive` modes pass `previous: [{ version, changes: diffSchemas(older, proposed) }]`.

export { diffSchemas, type SchemaChange } from './diff.js'
export {
  consumersUsing,
  evaluateCompatibility,
  mergeCompatibility,
  versionBump,
  MODES,
  type AnnotatedChange,
  type BaselineVerdict,
  type CompatibilityAnswer,
  type CompatibilityInput,
  type CompatibilityMode,
  type CompatibilityViolation,
  type ConsumerUse,
  type EvaluateArgs,
  type LayerViolations,
  type VersionBump,
} from './compatibility.js'
export { RULES, type ChangeKind } from './rules.js'
export { toShape, type Shape, type ContentModel } from './shape.js'
