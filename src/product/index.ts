// Public surface of the product stage: the data product's domain, apart from
// any policy engine. `mesh/` reads ODPS descriptors, ODCS contracts and
// consumers files and links them into `data.mesh`; `schema/` diffs a proposed
// schema against the current one and judges it under the port's mode;
// `anonymize/` combines the layers' transforms into a plan and applies it to
// records. It imports only errors/ and source/; engine/, server/ and cli/
// build on it.

export * from './mesh/index.js'
export * from './schema/index.js'
export * from './anonymize/index.js'
