// LabelledHistogram (decision-metrics.ts) is formatted by prom-client's
// registry exactly as prom-client's own Histogram with one label: the same
// exposition text for any observations, differentially over fast-check inputs.

import fc from 'fast-check'
import { Histogram, Registry } from 'prom-client'
import t from 'tap'
import { DECISION_BUCKETS } from '../../src/server/index.js'
import { LabelledHistogram } from '../../src/server/decision-metrics.js'

const observation = fc.record({
  kind: fc.constantFrom('access', 'anonymization', 'data', 'forward_auth'),
  // Around the bucket bounds (DECISION_BUCKETS spans 10 µs to 2.5 s), on them, and beyond.
  value: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(...DECISION_BUCKETS), fc.constant(0)),
})

t.test('the same text as prom-client for any observations', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (obs) => {
      const ours = new Registry()
      const theirs = new Registry()
      const h = new LabelledHistogram('m_seconds', 'help text', 'kind', DECISION_BUCKETS, ours)
      const p = new Histogram({ name: 'm_seconds', help: 'help text', labelNames: ['kind'], buckets: DECISION_BUCKETS, registers: [theirs] })
      for (const o of obs) {
        h.child(o.kind).observe(o.value)
        p.labels(o.kind).observe(o.value)
      }
      const [a, b] = [await ours.metrics(), await theirs.metrics()]
      if (a !== b) throw new Error(`exposition differs:\n${a}\n---\n${b}`)
    }),
    { numRuns: 200 },
  )
  t.pass('200 runs, identical text')
})

t.test('a label value shows only once observed; reset clears', async (t) => {
  const r = new Registry()
  const h = new LabelledHistogram('m_seconds', 'help', 'kind', [0.1, 1], r)
  h.child('access')
  t.notMatch(await r.metrics(), /kind="access"/)
  h.child('access').observe(0.5)
  t.match(await r.metrics(), /m_seconds_bucket\{le="1",kind="access"\} 1/)
  h.reset()
  t.notMatch(await r.metrics(), /kind="access"/)
})
