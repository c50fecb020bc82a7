// The registry config's JSON Schema (validated with ajv). `auth` is the
// sidecar's (issuer, audience, algorithms, jwks_file | jwks_url) plus the
// claims that say who publishes and under which roots; `keys` is OPA's keys
// map, each key also listing the roots it may sign for; `status` bounds the
// sidecars' status reports and says when one is stale; `decision_logs`
// bounds the decision-log uploads (`POST /logs`), their retention and who
// may read them (the console's readers too); `console` switches the
// governance console and its cookie's `Secure`. docs/registry.md documents
// every field.

import { ADDR, JWT_AUTH_PROPERTIES, SIZE } from '../config/schema.js'

const root = { type: 'string', pattern: '^/?([^/\\s]+(/[^/\\s]+)*)?/?$' }

export const REGISTRY_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['auth'],
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        addr: ADDR,
        bundle_prefix: { type: 'string', pattern: '^/[A-Za-z0-9._~/-]*$' },
        max_wait_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        retention: {
          type: 'object',
          additionalProperties: false,
          properties: { revisions: { type: 'integer', minimum: 1, maximum: 1000000 } },
        },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer', 'audience', 'algorithms'],
      properties: {
        ...JWT_AUTH_PROPERTIES,
        roots_claim: { type: 'string', minLength: 1 },
        subject_claim: { type: 'string', minLength: 1 },
        require_for_download: { type: 'boolean' },
      },
    },
    keys: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['algorithm', 'roots'],
        properties: {
          algorithm: { type: 'string', minLength: 1 },
          key: { type: 'string', minLength: 1 },
          key_file: { type: 'string', minLength: 1 },
          roots: { type: 'array', minItems: 1, items: root },
          scope: { type: 'string' },
        },
      },
    },
    signing: {
      type: 'object',
      additionalProperties: false,
      properties: { required: { type: 'boolean' } },
    },
    bundles: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['roots'],
        properties: { roots: { type: 'array', minItems: 1, items: root } },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        compressed: SIZE,
        uncompressed: SIZE,
        memory_mb: { type: 'integer', minimum: 1, maximum: 4096 },
      },
    },
    status: {
      type: 'object',
      additionalProperties: false,
      properties: {
        stale_after_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
        max_instances: { type: 'integer', minimum: 1, maximum: 1000000 },
        max_report_size: SIZE,
      },
    },
    decision_logs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_upload_size: SIZE,
        max_uncompressed_size: SIZE,
        max_events_per_upload: { type: 'integer', minimum: 1, maximum: 1000000 },
        open_upload: { type: 'boolean' },
        read_claim: { type: 'string', minLength: 1 },
        read_roles: { type: 'array', items: { type: 'string', minLength: 1 } },
        retention: {
          type: 'object',
          additionalProperties: false,
          properties: {
            max_events: { type: 'integer', minimum: 1, maximum: 1000000000 },
            max_bytes: SIZE,
          },
        },
      },
    },
    // `GET /metrics`: open by default, as OPA's is.
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: { require_token: { type: 'boolean' } },
    },
    validate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tests: { type: 'boolean' },
        load_timeout_seconds: { type: 'integer', minimum: 1, maximum: 600 },
        tests_timeout_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
      },
    },
    console: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        secure_cookie: { type: 'boolean' },
      },
    },
  },
} as const
