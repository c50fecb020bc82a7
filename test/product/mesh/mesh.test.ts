// Data-mesh model: the example products load into data.mesh; bad files fail
// with the right code at the right file:row:col, pointing at the bad text.

import t from 'tap'
import { readFile } from 'node:fs/promises'
import { CompileError, type ErrorDetail } from '../../../src/errors/index.js'
import { buildMesh, loadMeshDir, type MeshSources } from '../../../src/product/mesh/index.js'

const POLICIES = new URL('../../../policies/', import.meta.url)
const orders = new URL('domains/orders/', POLICIES)

async function ordersSources(): Promise<MeshSources> {
  const read = async (n: string) => ({ path: n, text: await readFile(new URL(n, orders), 'utf8') })
  return {
    descriptor: await read('orders.odps.yaml'),
    contracts: [await read('orders-contract.odcs.yaml')],
    consumers: await read('consumers.yaml'),
  }
}

function errorsOf(fn: () => unknown): ErrorDetail[] {
  try {
    fn()
  } catch (e) {
    if (e instanceof CompileError) return e.errors
    throw e
  }
  throw new Error('expected a CompileError')
}

/** The text at an error's location, as an editor would show under the caret. */
function textAt(text: string, e: ErrorDetail, len: number): string {
  const line = text.split('\n')[e.location!.row - 1]!
  return line.slice(e.location!.col - 1, e.location!.col - 1 + len)
}

t.test('the orders example becomes data.mesh', async (t) => {
  const m = await loadMeshDir(new URL('domains/orders', POLICIES).pathname)
  t.equal(m.data.product.id, 'orders')
  t.equal(m.data.product.domain, 'orders')
  const port = m.data.ports['orders-v1']!
  t.equal(port.contract.id, 'orders-contract')
  t.equal(port.compatibility, 'backward')
  t.same(port.residency, ['eu'])
  t.equal(port.fields.customer_email!.classification, 'pii')
  // Nested children inherit their parent's classification unless they say otherwise.
  t.equal(port.fields['shipping_address.city']!.classification, 'pii')
  t.equal(port.fields['shipping_address.country']!.classification, 'public')
  t.same(port.pii, ['customer_email', 'shipping_address', 'shipping_address.city', 'shipping_address.postcode', 'shipping_address.street'])
  t.same(Object.keys(port.consumers).sort(), ['customer-service', 'finance-reporting'])
  t.equal(port.consumers['finance-reporting']!.purpose, 'reporting')
  t.same(port.contract.slaProperties, [
    { property: 'latency', value: 1, unit: 'h' },
    { property: 'retention', value: 3, unit: 'y' },
  ])
  t.equal(m.contracts.get('orders-contract')!.schema[0]!.name, 'orders')
})

t.test('the customers example loads with its full compatibility mode', async (t) => {
  const m = await loadMeshDir(new URL('domains/customers', POLICIES).pathname)
  t.equal(m.data.ports['customers-v2']!.compatibility, 'full')
  t.same(m.data.ports['customers-v2']!.pii, ['birth_date', 'email', 'full_name', 'phone'])
})

t.test('JSON files load too', async (t) => {
  const s = await ordersSources()
  const { parse } = await import('yaml')
  s.contracts = [{ path: 'c.json', text: JSON.stringify(parse(s.contracts[0]!.text), null, 2) }]
  t.equal(buildMesh(s).data.ports['orders-v1']!.fields.order_id!.primaryKey, true)
})

t.test('a missing required field points at the object that lacks it', async (t) => {
  const s = await ordersSources()
  s.descriptor.text = s.descriptor.text.replace('    contractId: orders-contract\n', '')
  const [e, ...rest] = errorsOf(() => buildMesh(s))
  t.equal(rest.length, 0)
  t.equal(e!.code, 'mesh_descriptor_error')
  t.match(e!.message, /`outputPorts\[0\]` must have required property `contractId`/)
  t.equal(e!.location!.file, 'orders.odps.yaml')
  t.equal(textAt(s.descriptor.text, e!, 2), 'id')
})

t.test('a wrong value points at the value', async (t) => {
  const s = await ordersSources()
  s.contracts[0]!.text = s.contracts[0]!.text.replace('logicalType: date', 'logicalType: datetime')
  const [e] = errorsOf(() => buildMesh(s))
  t.equal(e!.code, 'mesh_contract_error')
  t.match(e!.message, /`schema\[0\]\.properties\[4\]\.logicalType` must be one of/)
  t.equal(textAt(s.contracts[0]!.text, e!, 8), 'datetime')
})

t.test('an unknown key in the consumers file points at the key', async (t) => {
  const s = await ordersSources()
  s.consumers!.text = s.consumers!.text.replace('        purpose: reporting\n', '        purpose: reporting\n        porpuse: typo\n')
  const [e] = errorsOf(() => buildMesh(s))
  t.equal(e!.code, 'mesh_consumers_error')
  t.match(e!.message, /unknown property `porpuse`/)
  t.equal(textAt(s.consumers!.text, e!, 7), 'porpuse')
})

t.test('YAML syntax errors are mesh_parse_error with a position', async (t) => {
  const s = await ordersSources()
  s.descriptor.text = 'id: orders\nid: again\n'
  const [e] = errorsOf(() => buildMesh(s))
  t.equal(e!.code, 'mesh_parse_error')
  t.equal(e!.location!.row, 2)
})

t.test('every file is checked before failing: errors from two files at once', async (t) => {
  const s = await ordersSources()
  s.descriptor.text = s.descriptor.text.replace('kind: DataProduct', 'kind: Product')
  s.contracts[0]!.text = s.contracts[0]!.text.replace('status: active\n', '')
  const errs = errorsOf(() => buildMesh(s))
  t.same(errs.map((e) => e.code).sort(), ['mesh_contract_error', 'mesh_descriptor_error'])
})

t.test('a port naming a contract that is not loaded', async (t) => {
  const s = await ordersSources()
  s.descriptor.text = s.descriptor.text.replace('contractId: orders-contract', 'contractId: orders-contract-v9')
  const [e] = errorsOf(() => buildMesh(s))
  t.equal(e!.code, 'mesh_descriptor_error')
  t.match(e!.message, /names contract `orders-contract-v9`, which is not loaded/)
  t.equal(textAt(s.descriptor.text, e!, 18), 'orders-contract-v9')
  t.same((e!.details as { known: string[] }).known, ['orders-contract'])
})

t.test('consumers naming unknown ports or fields', async (t) => {
  const s = await ordersSources()
  s.consumers!.text = s.consumers!.text.replace('fields: [order_id, order_date,', 'fields: [order_id, order_day,')
  const [e] = errorsOf(() => buildMesh(s))
  t.equal(e!.code, 'mesh_consumers_error')
  t.match(e!.message, /uses field `order_day`, which port `orders-v1` does not have/)
  t.equal(textAt(s.consumers!.text, e!, 9), 'order_day')

  const s2 = await ordersSources()
  s2.consumers!.text = s2.consumers!.text.replace('port: orders-v1', 'port: orders-v2')
  const [e2] = errorsOf(() => buildMesh(s2))
  t.match(e2!.message, /unknown output port `orders-v2`/)
})

t.test('an unknown compatibility mode is refused', async (t) => {
  const s = await ordersSources()
  s.descriptor.text = s.descriptor.text.replace('value: backward', 'value: sideways')
  const [e] = errorsOf(() => buildMesh(s))
  t.match(e!.message, /unknown compatibility mode `sideways`/)
})

t.test('a folder without a descriptor', async (t) => {
  await t.rejects(loadMeshDir(new URL('global', POLICIES).pathname), { code: 'mesh_descriptor_error', message: /has no ODPS descriptor/ })
  await t.rejects(loadMeshDir('/nonexistent/meshgate'), { code: 'io_error' })
})
