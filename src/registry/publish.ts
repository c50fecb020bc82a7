// Publishing and rolling back, as ordered tables of checks (the habit of
// OPA's compiler stages): each check is a named row with the reason it runs
// where it does. A bundle reaches the store only when every row passed, so
// the registry never serves a bundle it refused.

import { bundleDigest, bundleFromEntries, checkBundleSignature, effectiveRevision, readTar, unpackStream, type Bundle } from '../bundle/index.js'
import { runBundleTests } from './bundle-tests.js'
import { MeshgateError } from '../errors/index.js'
import type { RegistryConfig } from './config.js'
import type { LoadChecker } from './load-check.js'
import { packagesOf, requireContentsCovered, requireExportsCovered, requirePinned, requireRootsCovered } from './scope.js'
import type { BundleStore, RevisionRecord } from './store.js'
import type { Publisher } from './token.js'

export interface RegistryDeps {
  config: RegistryConfig
  store: BundleStore
  loader: LoadChecker
  /** The registry's clock: `published_at`, status `received_at` and staleness (tests may fix it). */
  now?: () => Date
}

export interface PublishResult {
  record: RevisionRecord
  /** False when the bundle already was the current revision (nothing changed). */
  created: boolean
}

export const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export function checkName(name: string): void {
  if (!BUNDLE_NAME.test(name)) {
    throw new MeshgateError('request_invalid', `bundle name \`${name}\` must be 1–128 letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit`)
  }
}

interface Candidate {
  name: string
  publisher: Publisher
  bundle: Bundle
  current: RevisionRecord | undefined
  packages: string[][]
  signedBy?: string
}

type Check = { step: string; run(c: Candidate, deps: RegistryDeps): void | Promise<void> }

/** Cheap, decisive checks first; the signature before anything runs the bundle's code. */
const PUBLISH_CHECKS: Check[] = [
  // Authorization before any work on contents: the manifest says where the bundle writes.
  { step: 'pinned name', run: (c, d) => requirePinned(c.name, d.config.pins, c.bundle.manifest.roots) },
  { step: 'token covers the roots', run: (c) => requireRootsCovered(c.publisher, c.bundle.manifest.roots, "the bundle's roots") },
  // A name already in use belongs to whoever may write its current roots.
  {
    step: 'token covers the name',
    run: (c) => {
      if (c.current) requireRootsCovered(c.publisher, c.current.roots, `bundle \`${c.name}\` (its current roots)`)
    },
  },
  // The manifest could lie about its contents; check them against both roots.
  {
    step: 'contents in scope',
    run: (c) => {
      c.packages = packagesOf(c.bundle)
      requireContentsCovered(c.publisher, c.bundle, c.packages)
    },
  },
  {
    step: 'signature',
    run: async (c, d) => {
      const v = await checkBundleSignature(c.bundle.files!, { keys: d.config.keys, roots: c.bundle.manifest.roots, required: d.config.signingRequired })
      if (v) c.signedBy = v.keyId
    },
  },
  // Only now is the bundle's code run: its modules instantiated, their real exports checked.
  {
    step: 'loads',
    run: async (c, d) => {
      const exported = await d.loader.check(c.bundle, c.name)
      requireExportsCovered(c.publisher, c.bundle.manifest.roots, exported)
    },
  },
  // Last and optional: the bundle's own tests run its code again, in a child process.
  {
    step: 'own tests',
    run: async (c, d) => {
      if (d.config.validate.tests) await runBundleTests(c.bundle, c.name, d.config.validate.testsTimeoutMs)
    },
  },
]

export async function publish(deps: RegistryDeps, name: string, body: AsyncIterable<Uint8Array> | Uint8Array, publisher: Publisher): Promise<PublishResult> {
  checkName(name)
  // Size limits while the body streams in: a gzip bomb never inflates past the limit.
  const { compressed, tar } = await unpackStream(body, deps.config.limits, name)
  const bundle = bundleFromEntries(readTar(tar), name)
  const c: Candidate = { name, publisher, bundle, current: await deps.store.current(name), packages: [] }
  for (const check of PUBLISH_CHECKS) await check.run(c, deps)

  const digest = bundleDigest(compressed)
  const revision = effectiveRevision(bundle.manifest, digest)
  if (c.current?.digest === digest) return { record: c.current, created: false }
  const clash = (await deps.store.findRevision(name, { revision }))?.record
  if (clash && clash.digest !== digest) {
    throw new MeshgateError('revision_conflict', `bundle \`${name}\` already has a revision \`${revision}\` with other content`, undefined, {
      revision,
      digest: clash.digest,
      hint: 'give the new bundle a new revision (policy build --revision)',
    })
  }
  const record: RevisionRecord = {
    revision,
    digest,
    size: compressed.length,
    roots: bundle.manifest.roots,
    publisher: publisher.subject,
    published_at: (deps.now?.() ?? new Date()).toISOString(),
    action: 'publish',
    ...(c.signedBy ? { signed_by: c.signedBy } : {}),
  }
  await deps.store.commit(name, record, { ifCurrent: c.current?.digest ?? null, bytes: compressed })
  return { record, created: true }
}

export interface RollbackTarget {
  revision?: string
  digest?: string
}

/**
 * Makes an earlier revision current again. The token must cover both the
 * current and the target roots, and the target's signature is checked again
 * with today's keys: a bundle signed by a key since removed stays retired.
 */
export async function rollback(deps: RegistryDeps, name: string, target: RollbackTarget, publisher: Publisher): Promise<PublishResult> {
  checkName(name)
  const current = await deps.store.current(name)
  if (!current) throw new MeshgateError('resource_not_found', `no bundle \`${name}\``)
  requireRootsCovered(publisher, current.roots, `bundle \`${name}\` (its current roots)`)
  const wanted = target.digest ?? target.revision
  const found = (await deps.store.findRevision(name, target.digest ? { digest: target.digest } : { revision: target.revision! }))?.record
  if (!found) throw new MeshgateError('resource_not_found', `bundle \`${name}\` has no revision \`${wanted}\``)
  requireRootsCovered(publisher, found.roots, `revision \`${found.revision}\` of bundle \`${name}\``)
  requirePinned(name, deps.config.pins, found.roots)
  if (found.digest === current.digest) return { record: current, created: false }

  if (!(await deps.store.stored(found.digest))) {
    throw new MeshgateError(
      'revision_pruned',
      `revision \`${found.revision}\` of bundle \`${name}\` is in the history, but its bytes were removed by retention`,
      undefined,
      {
        revision: found.revision,
        digest: found.digest,
        hint: 'storage.retention.revisions keeps the bytes of the newest revisions only; publish the bundle again to restore it',
      },
    )
  }
  const bytes = await deps.store.read(found.digest)
  if (!bytes) throw new MeshgateError('resource_not_found', `the bytes of revision \`${found.revision}\` of bundle \`${name}\` are gone`)
  const bundle = bundleFromEntries(readTar((await unpackStream(bytes, deps.config.limits, name)).tar), name)
  const v = await checkBundleSignature(bundle.files!, { keys: deps.config.keys, roots: bundle.manifest.roots, required: deps.config.signingRequired })
  const record: RevisionRecord = {
    revision: found.revision,
    digest: found.digest,
    size: found.size,
    roots: found.roots,
    publisher: publisher.subject,
    published_at: (deps.now?.() ?? new Date()).toISOString(),
    action: 'rollback',
    ...(v ? { signed_by: v.keyId } : {}),
  }
  await deps.store.commit(name, record, { ifCurrent: current.digest })
  return { record, created: true }
}
