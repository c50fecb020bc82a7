// Public surface of the config stage: the sidecar's YAML config, validated.

export {
  loadConfig,
  parseConfig,
  parseSize,
  DEFAULT_ADDR,
  DEFAULT_BODY_LIMIT,
  type Config,
  type AuthConfig,
  type JwtVerification,
  type NoAuthConfig,
  type LoadOptions,
  type BundleConfig,
  type DecisionLogsConfig,
  DECISION_LOG_DEFAULTS,
} from './config.js'
export { CONFIG_SCHEMA } from './schema.js'
export { parseYamlWithSchema, type CheckedYaml } from './yaml-schema.js'
