// The data-mesh model (product stage): ODPS descriptors, ODCS v3 contracts and consumers
// files, validated against the JSON Schemas in `schemas/` and linked into
// `data.mesh` (docs/mesh-data.md). The engine loads one data product per
// sidecar and hands `data` to every layer.

export { buildMesh, loadMeshDir, type MeshFile, type MeshModel, type MeshSources } from './load.js'
export { classificationRank, contractFields } from './fields.js'
export { parseMeshDocument, type MeshDocument } from './document.js'
export { validateMeshDocument, type MeshDocumentKind } from './validate.js'
export * from './types.js'
