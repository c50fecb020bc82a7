// uuid.rfc4122 and uuid.parse.

import t from 'tap'
import { impls } from '../../src/builtins/uuid.js'

t.test('rfc4122 generates version 4 UUIDs', async (t) => {
  const u = impls['uuid.rfc4122']('k') as string
  t.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.same(impls['uuid.parse'](u), { version: 4, variant: 'RFC4122' })
})

t.test('parse accepts braces, urn and bare hex; exposes v1/v2 fields', async (t) => {
  t.same(impls['uuid.parse']('{00000000-0000-4000-8000-000000000000}'), { version: 4, variant: 'RFC4122' })
  t.same(impls['uuid.parse']('6bea8ef2d3d33cd184e09bab06a52ece'), { version: 3, variant: 'RFC4122' })
  t.same(impls['uuid.parse']('urn:uuid:000003e8-48b9-21ee-b200-325096b39f47'), {
    version: 2,
    variant: 'RFC4122',
    time: 1693566990121469700,
    clocksequence: 12800,
    nodeid: '32-50-96-b3-9f-47',
    macvariables: 'local:unicast',
    id: 1000,
    domain: 'Person',
  })
  t.equal(impls['uuid.parse']('not-a-uuid'), undefined)
  t.equal(impls['uuid.parse']('00000000-0000-4000-8000-00000000000g'), undefined)
})
