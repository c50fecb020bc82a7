// Entry points that read data-mesh files: from text (the sidecar's config
// names files; tests pass strings) or from a domain folder by naming
// convention (`*.odps.{yaml,yml,json}`, `*.odcs.{yaml,yml,json}`,
// `consumers.{yaml,yml,json}`). Every problem of every file is collected and
// thrown once as a CompileError (habit: collect, de-duplicate, cap).

import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CompileError, MeshgateError, type ErrorDetail } from '../../errors/index.js'
import { parseMeshDocument, type MeshDocument } from './document.js'
import { linkMesh } from './mesh-data.js'
import type { MeshData, OdcsContract, OdpsDescriptor } from './types.js'
import { validateMeshDocument, type MeshDocumentKind } from './validate.js'

export interface MeshFile {
  path: string
  text: string
}

export interface MeshSources {
  descriptor: MeshFile
  contracts: MeshFile[]
  consumers?: MeshFile
}

export interface MeshModel {
  /** What policies see as `data.mesh`. */
  data: MeshData
  descriptor: OdpsDescriptor
  /** Contracts by id, as written (schema objects feed the compatibility check). */
  contracts: Map<string, OdcsContract>
}

/** Parses, validates and links the files of one data product. Throws CompileError. */
export function buildMesh(sources: MeshSources): MeshModel {
  const errors: ErrorDetail[] = []
  const parse = (kind: MeshDocumentKind, f: MeshFile): MeshDocument | undefined => {
    try {
      const md = parseMeshDocument(f.path, f.text)
      const found = validateMeshDocument(kind, md)
      errors.push(...found)
      return found.length ? undefined : md
    } catch (e) {
      if (e instanceof CompileError) {
        errors.push(...e.errors)
        return undefined
      }
      throw e
    }
  }
  const descriptor = parse('descriptor', sources.descriptor)
  const contracts = sources.contracts.map((c) => parse('contract', c))
  const consumers = sources.consumers && parse('consumers', sources.consumers)
  // Linking needs every document valid; report shape errors first.
  if (errors.length || !descriptor || contracts.some((c) => !c) || (sources.consumers && !consumers)) {
    throw new CompileError(errors)
  }
  const linked = linkMesh({ descriptor, contracts: contracts as MeshDocument[], ...(consumers ? { consumers } : {}) })
  if (linked.errors.length) throw new CompileError(linked.errors)
  return { data: linked.data, descriptor: descriptor.value as OdpsDescriptor, contracts: linked.contracts }
}

const EXT = /\.(ya?ml|json)$/

/** Loads a data product from a folder by naming convention (not recursive). */
export async function loadMeshDir(dir: string): Promise<MeshModel> {
  let names: string[]
  try {
    names = (await readdir(dir)).sort()
  } catch (e) {
    throw new MeshgateError('io_error', `cannot read folder \`${dir}\``, undefined, { cause: (e as Error).message })
  }
  const read = async (name: string): Promise<MeshFile> => {
    const path = join(dir, name)
    try {
      return { path, text: await readFile(path, 'utf8') }
    } catch (e) {
      throw new MeshgateError('io_error', `cannot read \`${path}\``, undefined, { cause: (e as Error).message })
    }
  }
  const descriptors = names.filter((n) => EXT.test(n) && /\.odps\.[a-z]+$/.test(n))
  if (descriptors.length !== 1) {
    throw new MeshgateError(
      'mesh_descriptor_error',
      descriptors.length ? `folder \`${dir}\` has ${descriptors.length} ODPS descriptors, expected one` : `folder \`${dir}\` has no ODPS descriptor`,
      undefined,
      { hint: 'name it `<product>.odps.yaml`', found: descriptors },
    )
  }
  const contractNames = names.filter((n) => EXT.test(n) && /\.odcs\.[a-z]+$/.test(n))
  const consumersName = names.find((n) => /^consumers\.(ya?ml|json)$/.test(n))
  const sources: MeshSources = {
    descriptor: await read(descriptors[0]!),
    contracts: await Promise.all(contractNames.map(read)),
  }
  if (consumersName) sources.consumers = await read(consumersName)
  return buildMesh(sources)
}
