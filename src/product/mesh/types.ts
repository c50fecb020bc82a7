// The shapes of the data-mesh documents meshgate reads (only the fields it
// uses; every other field is kept as written) and of `data.mesh`, the document
// policies see. docs/mesh-data.md describes `data.mesh` for policy authors.

export interface CustomProperty {
  property: string
  value: unknown
}

export interface OdpsOutputPort {
  id?: string
  name: string
  version?: string
  type?: string
  description?: string
  contractId: string
  customProperties?: CustomProperty[]
}

export interface OdpsDescriptor {
  apiVersion: string
  kind: 'DataProduct'
  id: string
  name?: string
  version?: string
  status?: string
  domain: string
  tenant?: string
  customProperties?: CustomProperty[]
  outputPorts: OdpsOutputPort[]
  [extra: string]: unknown
}

export interface OdcsProperty {
  name: string
  logicalType?: string
  logicalTypeOptions?: Record<string, unknown>
  physicalType?: string
  required?: boolean
  unique?: boolean
  primaryKey?: boolean
  classification?: string
  description?: string
  enum?: unknown[]
  default?: unknown
  properties?: OdcsProperty[]
  items?: OdcsProperty
  quality?: unknown[]
  customProperties?: CustomProperty[]
  [extra: string]: unknown
}

export interface OdcsSchemaObject {
  name: string
  logicalType?: 'object'
  physicalName?: string
  classification?: string
  properties?: OdcsProperty[]
  quality?: unknown[]
  customProperties?: CustomProperty[]
  [extra: string]: unknown
}

export interface OdcsContract {
  apiVersion: string
  kind: 'DataContract'
  id: string
  version: string
  status: string
  name?: string
  schema: OdcsSchemaObject[]
  quality?: unknown[]
  slaProperties?: unknown[]
  customProperties?: CustomProperty[]
  [extra: string]: unknown
}

export interface ConsumersFile {
  apiVersion: 'meshgate/v1'
  kind: 'Consumers'
  product: string
  ports: { port: string; consumers: ConsumerEntry[] }[]
}

export interface ConsumerEntry {
  id: string
  domain?: string
  fields: string[]
  purpose?: string
  contact?: string
}

/** Compatibility modes, as Confluent Schema Registry names them (lowercase). */
export type CompatibilityMode = 'backward' | 'backward_transitive' | 'forward' | 'forward_transitive' | 'full' | 'full_transitive' | 'none'

export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = [
  'backward',
  'backward_transitive',
  'forward',
  'forward_transitive',
  'full',
  'full_transitive',
  'none',
]

// ---- data.mesh ----

export interface MeshField {
  /** Dotted path from the record root (`address.city`). */
  path: string
  name: string
  logicalType: string
  required: boolean
  /** `pii`, `sensitive`, `public`, …; `unclassified` when the contract says nothing. */
  classification: string
  primaryKey: boolean
  unique: boolean
}

export interface MeshConsumer {
  id: string
  domain: string | null
  fields: string[]
  purpose: string | null
}

export interface MeshPort {
  id: string
  name: string
  version: string | null
  type: string | null
  compatibility: CompatibilityMode
  /** Regions the data may be served to (contract custom property `dataResidency`); empty = unrestricted. */
  residency: string[]
  contract: {
    id: string
    version: string
    status: string
    apiVersion: string
    /** Custom properties of the contract as an object (`property` → `value`). */
    custom: Record<string, unknown>
    quality: unknown[]
    slaProperties: unknown[]
  }
  fields: Record<string, MeshField>
  /** Paths of fields classified `pii`, sorted. */
  pii: string[]
  consumers: Record<string, MeshConsumer>
}

export interface MeshData {
  product: { id: string; name: string; domain: string; version: string | null; status: string | null; tenant: string | null; custom: Record<string, unknown> }
  ports: Record<string, MeshPort>
}
