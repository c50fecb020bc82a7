// The config file's JSON Schema (validated with ajv). Names follow OPA's
// config where the concept is the same (`services`, `bundles` with `service`,
// `resource` and `polling`); the rest is meshgate's own. docs/config.md
// documents every field.

import { SIGNING_ALGORITHMS } from '../bundle/keys.js'

/** Asymmetric JWS algorithms: bundle signatures and bearer tokens alike. */
const algorithm = { enum: [...SIGNING_ALGORITHMS] }

/**
 * Bearer-token verification, shared by the sidecar's and the registry's
 * `auth`: the issuer, the audience, an algorithm allow-list, and where the
 * issuer's keys come from.
 */
export const JWT_AUTH_PROPERTIES = {
  issuer: { type: 'string', minLength: 1 },
  audience: {
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string' }, minItems: 1 },
    ],
  },
  algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: algorithm },
  jwks_url: { type: 'string', pattern: '^https?://' },
  jwks_file: { type: 'string', minLength: 1 },
  clock_tolerance_seconds: { type: 'integer', minimum: 0, maximum: 300 },
} as const

/** `host:port`, the host possibly empty. */
export const ADDR = { type: 'string', pattern: '^[^:\\s]*:[0-9]{1,5}$' } as const
/** A byte size: a number, or a number with a unit (`64kb`, `16 MiB`). */
export const SIZE = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^[0-9]+\\s*(b|kb|mb|gb|kib|mib|gib)?$' },
  ],
} as const

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        addr: ADDR,
        body_limit: SIZE,
      },
    },
    product: {
      type: 'object',
      additionalProperties: false,
      required: ['domain'],
      properties: {
        domain: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
        dir: { type: 'string', minLength: 1 },
      },
    },
    services: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: true,
        required: ['url'],
        properties: { url: { type: 'string', minLength: 1 } },
      },
    },
    bundles: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['resource'],
        properties: {
          service: { type: 'string' },
          resource: { type: 'string', minLength: 1 },
          layer: { enum: ['global', 'domain', 'standalone'] },
          polling: {
            type: 'object',
            additionalProperties: false,
            properties: {
              min_delay_seconds: { type: 'number', exclusiveMinimum: 0 },
              max_delay_seconds: { type: 'number', exclusiveMinimum: 0 },
              long_polling_timeout_seconds: { type: 'integer', minimum: 1 },
            },
          },
          // OPA's bundle signing config: which key verifies this bundle.
          signing: {
            type: 'object',
            additionalProperties: false,
            properties: {
              keyid: { type: 'string', minLength: 1 },
              scope: { type: 'string' },
              exclude_files: { type: 'array', items: { type: 'string' } },
            },
          },
          persist: { type: 'boolean' },
          size_limit_bytes: { type: 'integer', minimum: 1 },
          // meshgate's maximum bundle age; off unless set.
          max_age_seconds: { type: 'integer', minimum: 1 },
          on_max_age: { enum: ['deny', 'serve'] },
        },
      },
    },
    // OPA's `keys`: verification keys for signed bundles, each bound to the
    // roots it may sign (meshgate's addition; absent = any root).
    keys: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['key'],
        properties: {
          algorithm,
          key: { type: 'string', minLength: 1 },
          scope: { type: 'string' },
          roots: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    persistence_directory: { type: 'string', minLength: 1 },
    // OPA's status plugin: reports to `<service>/status`.
    status: {
      type: 'object',
      additionalProperties: false,
      required: ['service'],
      properties: {
        service: { type: 'string', minLength: 1 },
        partition_name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        interval_seconds: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    // OPA's `decision_logs` (service, resource, reporting, console), plus
    // meshgate's `erase` pointers and on-disk `spool`. Off unless present.
    decision_logs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        service: { type: 'string', minLength: 1 },
        resource: { type: 'string', minLength: 1 },
        console: { type: 'boolean' },
        reporting: {
          type: 'object',
          additionalProperties: false,
          properties: {
            min_delay_seconds: { type: 'number', exclusiveMinimum: 0 },
            max_delay_seconds: { type: 'number', exclusiveMinimum: 0 },
            upload_size_limit_bytes: { type: 'integer', minimum: 1024 },
          },
        },
        erase: { type: 'array', items: { type: 'string', minLength: 1 } },
        spool: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dir: { type: 'string', minLength: 1 },
            max_bytes: SIZE,
            fsync_interval_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
          },
        },
      },
    },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    // `GET /metrics`: open by default, as OPA's is.
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: { require_token: { type: 'boolean' } },
    },
    // Required (config.ts says so with a better message than ajv's). Either
    // `{mode: none}`, the explicit opt-out, or JWT verification.
    auth: {
      type: 'object',
      if: { required: ['mode'], properties: { mode: { const: 'none' } } },
      then: {
        additionalProperties: false,
        properties: { mode: { const: 'none' } },
      },
      else: {
        additionalProperties: false,
        required: ['issuer', 'audience', 'algorithms'],
        properties: {
          mode: { enum: ['jwt', 'none'] },
          ...JWT_AUTH_PROPERTIES,
          claims: {
            type: 'object',
            additionalProperties: false,
            properties: {
              subject: { type: 'string' },
              roles: { type: 'string' },
              clearance: { type: 'string' },
              domain: { type: 'string' },
              region: { type: 'string' },
            },
          },
        },
      },
    },
    cache: {
      type: 'object',
      additionalProperties: false,
      properties: {
        decisions: { type: 'integer', minimum: 0 },
        tokens: { type: 'integer', minimum: 0 },
      },
    },
    budgets: {
      type: 'object',
      additionalProperties: false,
      properties: {
        steps: { type: 'integer', minimum: 0, maximum: 2147483647 },
        time_ms: { type: 'integer', minimum: 0 },
        workers: { type: 'integer', minimum: 1, maximum: 64 },
        memory_mb: { type: 'integer', minimum: 1, maximum: 4096 },
      },
    },
    anonymize: {
      type: 'object',
      additionalProperties: false,
      properties: {
        key: { type: 'string', minLength: 16 },
        key_env: { type: 'string', minLength: 1 },
      },
    },
    forward_auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        routes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['prefix', 'port'],
            properties: { prefix: { type: 'string', pattern: '^/' }, port: { type: 'string' }, purpose: { type: 'string' } },
          },
        },
      },
    },
  },
} as const
