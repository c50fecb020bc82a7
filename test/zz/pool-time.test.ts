import { Engine, domainLayer, globalLayer } from '../../src/engine/index.js'
import { BUILTINS_MODULE, globalBundle, ordersBundle } from '../fixtures/engine/bundles.js'
const t0 = Date.now()
const log = (m: string) => console.log(m, Date.now() - t0)
const e = new Engine({ layers: [globalLayer(), domainLayer('orders')], builtinsModule: BUILTINS_MODULE, budgets: { timeMs: 400, workers: 2 } })
log('created')
await e.activate('global', await globalBundle('g1', true)); log('g')
await e.activate('domains/orders', await ordersBundle()); log('o')
await e.access({}); log('first access')
await e.document(['global','spin'], {}).catch((x) => log('spin ' + x.code))
await e.access({a:1}); log('second access')
await e.close(); log('closed')
