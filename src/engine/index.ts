// Public surface of the engine stage: loaded bundles, layers, the decision
// API (access, anonymization, compatibility, and their inputs), federated
// combination, decision cache and evaluation budgets.

export {
  Engine,
  type EngineOptions,
  type Budgets,
  type AccessDecision,
  type LayerResult,
  type Answer,
  type Revisions,
  type EngineLog,
  type LogPolicyVerdict,
} from './engine.js'
export { globalLayer, domainLayer, standaloneLayer, DECISION_PACKAGES, type LayerSpec, type Layer, type ActiveBundle } from './layers.js'
export { combineAccess, type DenyReason, type AccessOutcome, type LayerAccess } from './access.js'
export { decisionInput, compatibilityQuestion, type DecisionRequest, type CompatibilityRequest, type CompatibilityQuestion } from './decision-input.js'
export { LoadedBundle, imageOf, type BundleImage, type BundleLimits, type ResultSet } from './loaded-bundle.js'
export { DecisionCache } from './decision-cache.js'
export { planDocument } from './virtual-doc.js'
export type { Evaluator, EvalCall } from './evaluator.js'
