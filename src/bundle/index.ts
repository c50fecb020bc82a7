// Public surface of the bundle stage: OPA bundle format read/write (with size
// limits), signing and verification as OPA does them, and the roots rules
// shared by `policy build`, the engine's loader and the registry.

export { readBundle, readBundleAsync, bundleFromEntries, type Bundle, type BundleSource } from './read.js'
export { writeBundle, bundleEntries, packEntries, saveBundle, saveBundleBytes, type BundleContents } from './write.js'
export { gunzipCapped, unpackStream, tooLargeCompressed, tooLargeUncompressed, DEFAULT_SIZE_LIMITS, type SizeLimits, type Unpacked } from './unpack.js'
export { hashFile, normalFormOf, isStructuredFile, DEFAULT_HASH } from './hash.js'
export { signEntries, signatureFiles, withSignature, SIGNATURES_FILE, type FileInfo, type SigningOptions } from './sign.js'
export { verifyBundleSignature, checkBundleSignature, type VerifyOptions, type VerifiedSignature } from './verify.js'
export {
  publicKeyFrom,
  privateKeyFrom,
  defaultAlgorithmFor,
  isSigningAlgorithm,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type VerificationKey,
  type KeyMap,
} from './keys.js'
export { rootCovered, uncoveredRoots } from './root-cover.js'
export { BUNDLE_DIGEST, bundleDigest, effectiveRevision } from './digest.js'
export { checkRoots, checkOverlap, underRoots, dataPathsOf, pathSegments } from './roots.js'
export { parseManifest, normalizeManifest, serializeManifest, type Manifest, type WasmResolver } from './manifest.js'
export { canonicalJson, placeData, isDataFile, refuseUnsafeKeys } from './data.js'
export { readTar, writeTar, type TarEntry } from './tar.js'
export type { BundleStatus } from './status.js'
export { writeDurably, syncDir, TEMP_SUFFIX, type WriteStep, type StepHook } from './durable-file.js'
export { packageOf } from './package-of.js'
