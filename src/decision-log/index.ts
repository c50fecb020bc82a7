// Public surface of the decision-log stage: the event shape, its observers,
// and (issue 10) the spool, masking and upload to an OPA-compatible service.
// Sits after engine/ and before server/.

export type { DecisionEvent, DecisionKind, DecisionLogStats, DecisionObserver, DecisionOutcome, LoggedDenyReason } from './event.js'
