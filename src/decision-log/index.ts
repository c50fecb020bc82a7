// Public surface of the decision-log stage: the event shape, its observers,
// and (issue 10) the spool, masking and upload to an OPA-compatible service.
// Sits after engine/ and before server/.

export type { DecisionEvent, DecisionKind, DecisionLogStats, DecisionObserver, DecisionOutcome, LoggedDenyReason } from './event.js'
export { DecisionLogger, DEFAULT_SPOOL_BYTES, DEFAULT_FSYNC_INTERVAL_MS, type DecisionLoggerOptions, type LineSink } from './logger.js'
export { decisionLoggerOptions } from './options.js'
export { applyMask, eraseOps, policyOps, maskEvent, maskEventNow, type MaskDecision, type MaskPolicy, type MaskOp, type MaskOutcome } from './mask.js'
export { parseMaskPointer, MASKABLE_ROOTS, type ParsedPointer } from './pointer.js'
export { Spool, type SpoolOptions, type SpooledLine, type Position } from './spool.js'
export { Uploader, type UploadTarget } from './upload.js'
export type { DecisionLogLog } from './log.js'
