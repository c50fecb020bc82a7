// JSON Schemas of the decision endpoints' bodies; fastify validates requests
// with them and serializes answers with them. docs/http-api.md shows the same.

const revisions = { type: 'object', additionalProperties: { type: 'string' } } as const

export const decisionRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    port: { type: 'string', minLength: 1, maxLength: 200 },
    purpose: { type: 'string', maxLength: 200 },
    fields: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 500 } },
    request: {
      type: 'object',
      additionalProperties: false,
      properties: {
        method: { type: 'string' },
        path: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const

export const accessResponse = {
  type: 'object',
  required: ['decision_id', 'allow', 'deny', 'allowed_by', 'message', 'revisions'],
  properties: {
    decision_id: { type: 'string' },
    allow: { type: 'boolean' },
    deny: {
      type: 'array',
      items: {
        type: 'object',
        properties: { layer: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, details: {} },
      },
    },
    allowed_by: { type: 'array', items: { type: 'string' } },
    message: { type: 'string' },
    revisions,
  },
} as const

export const anonymizationResponse = {
  type: 'object',
  required: ['decision_id', 'port', 'fields', 'row_filters', 'unknown_fields', 'revisions'],
  properties: {
    decision_id: { type: 'string' },
    port: { type: 'string' },
    fields: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { transform: { type: 'object', additionalProperties: true }, layer: { type: 'string' }, source: { type: 'string' } },
      },
    },
    row_filters: { type: 'array', items: { type: 'object', additionalProperties: true } },
    unknown_fields: { type: 'string' },
    revisions,
  },
} as const

export const compatibilityRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'proposed'],
  properties: {
    port: { type: 'string', minLength: 1, maxLength: 200 },
    purpose: { type: 'string', maxLength: 200 },
    /** The proposed ODCS contract, one of its schema objects, or a JSON Schema. */
    proposed: { type: 'object' },
    /** Defaults to the port's current contract. */
    current: { type: 'object' },
  },
} as const

export const compatibilityResponse = {
  type: 'object',
  required: ['decision_id', 'compatible', 'mode', 'bump', 'violations', 'affected_consumers', 'revisions'],
  properties: {
    decision_id: { type: 'string' },
    compatible: { type: 'boolean' },
    mode: { type: 'string' },
    bump: { type: 'string' },
    violations: { type: 'array', items: { type: 'object', additionalProperties: true } },
    affected_consumers: { type: 'array', items: { type: 'string' } },
    baseline: { type: 'object', additionalProperties: true },
    revisions,
  },
} as const

export const errorEnvelope = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, errors: { type: 'array' } },
} as const
