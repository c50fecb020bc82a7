// Builds `data.mesh` from a validated descriptor, its contracts and its
// consumers file, checking the references between them (a port's contract
// exists, consumers name known ports and fields). Errors point at the value
// that names the missing thing.

import type { ErrorDetail } from '../../errors/index.js'
import { errorAt, type MeshDocument } from './document.js'
import { contractFields } from './fields.js'
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type ConsumersFile,
  type CustomProperty,
  type MeshConsumer,
  type MeshData,
  type MeshPort,
  type OdcsContract,
  type OdpsDescriptor,
} from './types.js'

export interface ParsedMesh {
  descriptor: MeshDocument
  contracts: MeshDocument[]
  consumers?: MeshDocument
}

export function customObject(props: CustomProperty[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of props ?? []) out[p.property] = p.value
  return out
}

/** Returns `data.mesh` and the errors found while linking the documents. */
export function linkMesh(parsed: ParsedMesh): { data: MeshData; contracts: Map<string, OdcsContract>; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = []
  const d = parsed.descriptor.value as OdpsDescriptor
  const contracts = new Map<string, OdcsContract>()
  parsed.contracts.forEach((md) => {
    const c = md.value as OdcsContract
    if (contracts.has(c.id)) errors.push(errorAt(md, 'mesh_contract_error', ['id'], `contract \`${c.id}\` is defined twice`))
    else contracts.set(c.id, c)
  })

  const ports: Record<string, MeshPort> = {}
  // Ports already reported broken: the consumers file does not repeat the error.
  const broken = new Set<string>()
  d.outputPorts.forEach((op, i) => {
    const id = op.id ?? op.name
    if (ports[id]) {
      errors.push(errorAt(parsed.descriptor, 'mesh_descriptor_error', ['outputPorts', String(i)], `output port \`${id}\` is declared twice`))
      return
    }
    const contract = contracts.get(op.contractId)
    if (!contract) {
      broken.add(id)
      errors.push(
        errorAt(
          parsed.descriptor,
          'mesh_descriptor_error',
          ['outputPorts', String(i), 'contractId'],
          `output port \`${id}\` names contract \`${op.contractId}\`, which is not loaded`,
          { known: [...contracts.keys()].sort() },
        ),
      )
      return
    }
    const portCustom = customObject(op.customProperties)
    const contractCustom = customObject(contract.customProperties)
    const mode = String(portCustom.compatibility ?? contractCustom.compatibility ?? 'backward').toLowerCase()
    if (!(COMPATIBILITY_MODES as readonly string[]).includes(mode)) {
      errors.push(
        errorAt(parsed.descriptor, 'mesh_descriptor_error', ['outputPorts', String(i)], `output port \`${id}\` has unknown compatibility mode \`${mode}\``, {
          allowed: COMPATIBILITY_MODES,
        }),
      )
    }
    const residency = portCustom.dataResidency ?? contractCustom.dataResidency ?? []
    const fields = contractFields(contract)
    ports[id] = {
      id,
      name: op.name,
      version: op.version ?? null,
      type: op.type ?? null,
      compatibility: mode as CompatibilityMode,
      residency: (Array.isArray(residency) ? residency : [residency]).map((r) => String(r).toLowerCase()),
      contract: {
        id: contract.id,
        version: contract.version,
        status: contract.status,
        apiVersion: contract.apiVersion,
        custom: contractCustom,
        quality: contract.quality ?? [],
        slaProperties: contract.slaProperties ?? [],
      },
      fields,
      pii: Object.values(fields)
        .filter((f) => f.classification === 'pii')
        .map((f) => f.path)
        .sort(),
      consumers: {},
    }
  })

  if (parsed.consumers) linkConsumers(parsed.consumers, d, ports, broken, errors)

  const data: MeshData = {
    product: {
      id: d.id,
      name: d.name ?? d.id,
      domain: d.domain,
      version: d.version ?? null,
      status: d.status ?? null,
      tenant: d.tenant ?? null,
      custom: customObject(d.customProperties),
    },
    ports,
  }
  return { data, contracts, errors }
}

function linkConsumers(md: MeshDocument, d: OdpsDescriptor, ports: Record<string, MeshPort>, broken: Set<string>, errors: ErrorDetail[]): void {
  const file = md.value as ConsumersFile
  if (file.product !== d.id) {
    errors.push(errorAt(md, 'mesh_consumers_error', ['product'], `consumers file is for product \`${file.product}\`, not \`${d.id}\``))
  }
  file.ports.forEach((entry, pi) => {
    const port = ports[entry.port]
    if (broken.has(entry.port)) return
    if (!port) {
      errors.push(
        errorAt(md, 'mesh_consumers_error', ['ports', String(pi), 'port'], `unknown output port \`${entry.port}\``, { known: Object.keys(ports).sort() }),
      )
      return
    }
    entry.consumers.forEach((c, ci) => {
      const at = ['ports', String(pi), 'consumers', String(ci)]
      if (port.consumers[c.id]) {
        errors.push(errorAt(md, 'mesh_consumers_error', [...at, 'id'], `consumer \`${c.id}\` is declared twice on port \`${port.id}\``))
        return
      }
      c.fields.forEach((f, fi) => {
        if (!port.fields[f]) {
          errors.push(
            errorAt(
              md,
              'mesh_consumers_error',
              [...at, 'fields', String(fi)],
              `consumer \`${c.id}\` uses field \`${f}\`, which port \`${port.id}\` does not have`,
            ),
          )
        }
      })
      const consumer: MeshConsumer = { id: c.id, domain: c.domain ?? null, fields: [...c.fields].sort(), purpose: c.purpose ?? null }
      port.consumers[c.id] = consumer
    })
  })
}
