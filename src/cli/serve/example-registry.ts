// The whole loop on one machine for `policy serve --example` (cli stage): an
// embedded registry on 127.0.0.1, a signing key per team (the governance
// group signs `global`, the orders team `domains/orders`, each key bound to
// its roots in the registry's and the sidecar's `keys`), publisher tokens
// from the development identity provider, and `publish`, which signs a built
// bundle and PUTs it as `policy push` would. The sidecar then takes its
// layers from this registry by long polling, so a publish (by hand, or by
// `--watch` on every save) reaches it within tens of milliseconds.

import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { bundleFromEntries, packEntries, readTar, signEntries, withSignature } from '../../bundle/index.js'
import { MeshgateError } from '../../errors/index.js'
import { parseRegistryConfig, startRegistry, type Registry } from '../../registry/index.js'
import { DEV_AUDIENCE, DEV_ISSUER, type DevAuth } from './dev-auth.js'
import { EXAMPLE_LAYERS } from './example-mesh.js'

export interface TeamKey {
  /** The key id (also the bundle name). */
  id: string
  root: string
  publicPem: string
  /** Where the private key is written, for the banner's `policy sign --signing-key`. */
  privateFile: string
}

export interface ExampleRegistry {
  url: string
  dir: string
  keys: TeamKey[]
  /** A publisher token for the team owning `name`'s root. */
  token(name: string): Promise<string>
  /** Signs the bundle file with its team's key and publishes it; resolves to the revision. */
  publish(name: string, file: string): Promise<{ revision: string; unchanged: boolean }>
  close(): Promise<void>
}

export async function startExampleRegistry(auth: DevAuth): Promise<ExampleRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'meshgate-registry-'))
  let registry: Registry | undefined
  try {
    const keys: TeamKey[] = []
    const privates = new Map<string, string>()
    for (const l of EXAMPLE_LAYERS) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      const privateFile = join(dir, `${l.name}.signing-key.pem`)
      await writeFile(privateFile, privatePem, { mode: 0o600 })
      privates.set(l.name, privatePem)
      keys.push({ id: l.name, root: l.root, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateFile })
    }
    const yaml = [
      'server: { addr: "127.0.0.1:0", max_wait_seconds: 60 }',
      `storage: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
      `auth: { issuer: ${JSON.stringify(DEV_ISSUER)}, audience: ${JSON.stringify(DEV_AUDIENCE)}, algorithms: [RS256], jwks_file: ${JSON.stringify(auth.jwksFile)} }`,
      'signing: { required: true }',
      'keys:',
      ...keys.map((k) => `  ${k.id}: { algorithm: ES256, key: ${JSON.stringify(k.publicPem)}, roots: [${JSON.stringify(k.root)}] }`),
      'bundles:',
      ...keys.map((k) => `  ${k.id}: { roots: [${JSON.stringify(k.root)}] }`),
      '',
    ].join('\n')
    registry = await startRegistry(parseRegistryConfig(yaml, join(dir, 'registry.yaml')), { logger: false })
    const url = registry.url
    const rootOf = (name: string) => {
      const k = keys.find((x) => x.id === name)
      if (!k) throw new MeshgateError('cli_usage_error', `the example has no bundle \`${name}\``)
      return k
    }
    // The registry reads the publisher's roots from the `roots` claim.
    const token = (name: string) =>
      auth.mint({ sub: `${name}-team`, roles: [], clearance: 'internal', domain: name, region: 'eu' }, '1h', { roots: [rootOf(name).root] })
    const reg = registry
    // ECDSA signatures differ on every signing, so re-signing an unchanged
    // bundle would be new bytes under an old revision (409): skip it here.
    const published = new Map<string, string>()
    return {
      url,
      dir,
      keys,
      token,
      async publish(name, file) {
        const entries = readTar(gunzipSync(await readFile(file))).filter((e) => e.name !== '.signatures.json')
        const rev = bundleFromEntries(entries, name).manifest.revision
        if (rev && published.get(name) === rev) return { revision: rev, unchanged: true }
        const signed = withSignature(entries, await signEntries(entries, { key: privates.get(name)!, keyId: name }))
        const res = await fetch(`${url}/v1/bundles/${name}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${await token(name)}`, 'content-type': 'application/gzip' },
          body: new Uint8Array(packEntries(signed)),
        })
        const body = (await res.json()) as { result?: { revision: string; action?: string }; code?: string; message?: string }
        if (!res.ok || !body.result)
          throw new MeshgateError('io_error', `the embedded registry refused \`${name}\`: ${body.code ?? res.status}: ${body.message ?? ''}`)
        published.set(name, body.result.revision)
        return { revision: body.result.revision, unchanged: res.status !== 201 }
      },
      async close() {
        await reg.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await registry?.close()
    await rm(dir, { recursive: true, force: true })
    throw e
  }
}
