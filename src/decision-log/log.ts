// The logger the decision-log stage writes to: fastify's (pino's) shape, so
// the server passes its own; tests pass a recorder.

export interface DecisionLogLog {
  info(o: object, m?: string): void
  warn(o: object, m?: string): void
  error(o: object, m?: string): void
}
