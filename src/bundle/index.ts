// Public surface of the bundle stage: OPA bundle format read/write and the
// roots rules shared by `policy build` and the engine's loader.

export { readBundle, type Bundle, type BundleSource } from './read.js'
export { writeBundle, saveBundle, type BundleContents } from './write.js'
export { checkRoots, checkOverlap, underRoots, dataPathsOf, pathSegments } from './roots.js'
export { parseManifest, normalizeManifest, serializeManifest, type Manifest, type WasmResolver } from './manifest.js'
export { canonicalJson, placeData, isDataFile, refuseUnsafeKeys } from './data.js'
export { readTar, writeTar, type TarEntry } from './tar.js'
