// The one catalog of error codes: each code is declared once with its HTTP
// status and CLI exit code. docs/errors.md lists the same codes; a test keeps
// the two in step (as fastify does with lib/errors.js).

export interface ErrorKind {
  /** HTTP status when the error reaches a client. */
  status: number
  /** Process exit code when the error ends a CLI command. */
  exit: number
  /** What the code means, one line, for docs/errors.md. */
  summary: string
}

export const ERROR_CATALOG = {
  // Rego compile errors: OPA's codes.
  rego_parse_error: { status: 400, exit: 2, summary: 'the source is not valid Rego' },
  rego_compile_error: { status: 400, exit: 2, summary: 'the module is valid Rego but cannot be compiled' },
  rego_unsafe_var_error: { status: 400, exit: 2, summary: 'a variable is used where nothing can bind it' },
  rego_recursion_error: { status: 400, exit: 2, summary: 'rules depend on each other in a cycle' },
  rego_type_error: { status: 400, exit: 2, summary: 'a built-in or operator gets the wrong number or kind of arguments, or is unknown' },
  rego_negation_undefined_arg: {
    status: 400,
    exit: 0,
    summary:
      "a warning, not an error: a term of a negated expression (a call's argument) is evaluated before `not`, as OPA does, so when it is undefined the body fails instead of the negation holding",
  },
  // Evaluation errors: OPA's codes.
  eval_conflict_error: { status: 500, exit: 1, summary: 'a complete rule, function or object produced two different values' },
  eval_type_error: { status: 500, exit: 1, summary: 'a value has the wrong type at run time' },
  eval_builtin_error: { status: 500, exit: 1, summary: 'a built-in failed in strict mode' },
  // meshgate's own codes, same shape.
  compile_entrypoint_error: { status: 400, exit: 2, summary: 'an entrypoint names no rule or package' },
  compile_unsupported_error: { status: 400, exit: 2, summary: 'the policy uses a feature the compiler does not support' },
  cli_usage_error: { status: 400, exit: 2, summary: 'the command line is wrong' },
  undefined_document: { status: 404, exit: 1, summary: 'the default decision (data.system.main) is undefined for this input' },
  fixture_error: { status: 400, exit: 2, summary: 'a decision fixture file is malformed or names something that does not exist' },
  io_error: { status: 500, exit: 2, summary: 'a file could not be read or written' },
  bundle_format_error: { status: 400, exit: 2, summary: 'a bundle is not in OPA bundle format' },
  bundle_scope_error: { status: 400, exit: 2, summary: 'a bundle writes outside its declared roots, or roots overlap' },
  // Sidecar (engine, config, server): same shape.
  bundle_download_error: { status: 502, exit: 1, summary: 'a bundle could not be downloaded from its service (unreachable, HTTP error, stalled, too large)' },
  bundle_stale: { status: 503, exit: 1, summary: "a layer's bundle has not been checked with its service within its maximum age; the sidecar fails closed" },
  bundle_unavailable: { status: 503, exit: 1, summary: 'no valid bundle is loaded for a layer the decision needs; the sidecar fails closed' },
  eval_budget_exceeded: { status: 500, exit: 1, summary: 'an evaluation ran past its step or time budget and was cut off' },
  eval_memory_exceeded: { status: 500, exit: 1, summary: "an evaluation needed more memory than the bundle's limit" },
  eval_error: { status: 500, exit: 1, summary: 'a policy module failed while evaluating' },
  config_error: { status: 500, exit: 2, summary: 'the config file is missing, not YAML, or does not match the config schema' },
  token_missing: { status: 401, exit: 1, summary: 'the request has no `Authorization: Bearer` token' },
  token_invalid: { status: 401, exit: 1, summary: 'the bearer token is malformed, expired, wrongly signed, or has the wrong issuer, audience or algorithm' },
  auth_unavailable: {
    status: 503,
    exit: 1,
    summary: 'the signing keys for bearer tokens (the JWKS URL) cannot be fetched yet; the sidecar retries in the background',
  },
  access_denied: { status: 403, exit: 1, summary: 'the access decision denied the request (forward auth, or records asked for on a port stream)' },
  request_malformed: { status: 400, exit: 1, summary: 'the request body is not valid JSON (or NDJSON)' },
  request_invalid: { status: 400, exit: 1, summary: "the request body or parameters do not match the endpoint's JSON Schema" },
  request_too_large: { status: 413, exit: 1, summary: 'the request body is larger than the configured limit' },
  request_headers_too_large: { status: 431, exit: 1, summary: 'the request line and headers are larger than the server reads' },
  request_timeout: { status: 408, exit: 1, summary: 'the request did not arrive completely in time' },
  request_media_type: { status: 415, exit: 1, summary: 'the request content type is not one the endpoint reads' },
  port_not_found: { status: 404, exit: 1, summary: 'the output port is not declared by the data product' },
  resource_not_found: { status: 404, exit: 1, summary: 'no route, or no document, at that path' },
  not_implemented: { status: 501, exit: 1, summary: 'the endpoint exists but its decision is not available in this build' },
  // Data mesh model, anonymization, schema compatibility: same shape.
  mesh_parse_error: { status: 400, exit: 2, summary: 'a data-mesh file is not valid YAML or JSON' },
  mesh_descriptor_error: { status: 400, exit: 2, summary: 'an ODPS data product descriptor does not match its JSON Schema or names a missing contract' },
  mesh_contract_error: { status: 400, exit: 2, summary: 'an ODCS data contract does not match its JSON Schema' },
  mesh_consumers_error: { status: 400, exit: 2, summary: 'a consumers file does not match its JSON Schema or names an unknown port or field' },
  anonymize_rule_error: { status: 500, exit: 1, summary: 'a policy returned an anonymization transform or row filter that meshgate cannot apply' },
  anonymize_input_error: { status: 400, exit: 2, summary: 'records to anonymize are not a JSON array or NDJSON of objects, or one is too large' },
  schema_input_error: { status: 400, exit: 2, summary: 'a schema given for a compatibility check is neither an ODCS schema nor a JSON Schema' },
  // Bundle signing, size limits and the registry: same shape.
  bundle_tests_failed: {
    status: 400,
    exit: 1,
    summary: "a bundle's own tests failed, did not compile or ran past their deadline at publish (registry `validate.tests`)",
  },
  bundle_too_large: { status: 413, exit: 2, summary: 'a bundle is larger than the configured limit, compressed or uncompressed' },
  bundle_signature_error: {
    status: 400,
    exit: 2,
    summary: "a bundle signature is missing, malformed or wrong, does not cover exactly the bundle's files, or comes from a key not bound to its roots",
  },
  key_error: { status: 400, exit: 2, summary: 'a signing or verification key cannot be read or does not suit its algorithm' },
  roots_forbidden: { status: 403, exit: 1, summary: "the token's roots claim does not cover the bundle the request would publish or roll back" },
  revision_conflict: { status: 409, exit: 1, summary: 'a bundle revision is published again with different content' },
  revision_pruned: {
    status: 410,
    exit: 1,
    summary: "a rollback names a revision that is in the history but whose bytes the registry's retention removed (`storage.retention.revisions`)",
  },
  decision_read_forbidden: {
    status: 403,
    exit: 1,
    summary: 'the token is valid but has none of the roles the registry requires to read decision logs (`decision_logs.read_roles`)',
  },
  registry_unreachable: { status: 502, exit: 1, summary: 'the registry cannot be reached, or answered with something other than its API' },
  // Decision logs: same shape.
  decision_log_mask_error: {
    status: 500,
    exit: 1,
    summary: 'the decision-log mask policy failed or answered an invalid mask; the event was logged with its input and result erased',
  },
  decision_log_spool_error: {
    status: 500,
    exit: 1,
    summary: 'the decision-log spool could not be written or holds a line that is not an event; events wait in memory, or the line is skipped',
  },
  decision_log_upload_error: {
    status: 502,
    exit: 1,
    summary: 'a decision-log batch could not be uploaded (unreachable, timeout, HTTP error) and stays spooled, or one event was refused and skipped',
  },
  internal_error: { status: 500, exit: 3, summary: 'a bug in meshgate: the message is logged, the client sees a generic one' },
} as const satisfies Record<string, ErrorKind>

/**
 * The closed union of the catalog's codes: a code that is not declared above
 * does not compile. Codes that arrive as text (another process's envelope)
 * become an ErrorCode only through isErrorCode.
 */
export type ErrorCode = keyof typeof ERROR_CATALOG

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code)
}

/** The kind of a code; a string outside the catalog is an internal error. */
export function kindOf(code: string): ErrorKind {
  return (ERROR_CATALOG as Record<string, ErrorKind>)[code] ?? ERROR_CATALOG.internal_error
}
